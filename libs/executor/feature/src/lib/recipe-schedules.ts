import { Inject, Injectable } from '@nestjs/common';
import type { Recipe } from '@junction/executor/contracts';
import { parseDuration } from '@junction/executor/domain';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { DeleteSchedule, UpsertSchedule } from '@junction/scheduler/contracts';
import { dependencyCall } from './dependency-call';

/**
 * Schedule and poll recipes run on the scheduler service: `start` registers the cron or the poll
 * interval, `stop` and delete remove it. Ticks and polled records come back as events (TriggerIntake).
 */
@Injectable()
export class RecipeSchedules {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  async started(workspaceId: string, recipeId: string, recipe: Recipe): Promise<void> {
    const trigger = recipe.trigger;
    if (trigger.type === 'schedule') {
      await dependencyCall(
        this.bus.request(
          UpsertSchedule,
          {
            workspaceId,
            recipeId,
            kind: 'tick',
            cron: {
              expression: trigger.cron,
              timezone: trigger.timezone ?? 'UTC',
            },
            enabled: true,
          },
          { workspaceId },
        ),
      );
    } else if (trigger.type === 'poll') {
      await dependencyCall(
        this.bus.request(
          UpsertSchedule,
          {
            workspaceId,
            recipeId,
            kind: 'poll',
            intervalMs: Math.max(1000, parseDuration(trigger.interval) ?? 60_000),
            enabled: true,
            poll: {
              connectorKey: trigger.connector,
              trigger: trigger.trigger,
              ...(trigger.connection ? { connectionId: trigger.connection } : {}),
              input: { ...trigger.input },
            },
          },
          { workspaceId },
        ),
      );
    }
  }

  async stopped(workspaceId: string, recipeId: string, recipe: Recipe | undefined): Promise<void> {
    if (recipe?.trigger.type !== 'schedule' && recipe?.trigger.type !== 'poll') return;
    await dependencyCall(this.bus.request(DeleteSchedule, { workspaceId, recipeId }, { workspaceId }));
  }
}
