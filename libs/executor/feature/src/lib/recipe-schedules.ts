import { Inject, Injectable } from '@nestjs/common';
import type { Recipe, RecipeScheduleStatus } from '@junction/executor/contracts';
import { parseDuration } from '@junction/executor/domain';
import { MESSAGE_BUS, RemoteError, type MessageBus } from '@junction/platform/ports';
import { DeleteSchedule, GetSchedule, UpsertSchedule } from '@junction/scheduler/contracts';
import { dependencyCall } from './dependency-call';

/**
 * Schedule and poll recipes run on the scheduler service: `start` registers the cron or the poll
 * interval, `stop` disables it and delete removes it. A stop keeps the schedule row so a poll's
 * cursor survives stop → start (a restart must not replay or lose items). Ticks and polled records
 * come back as events (TriggerIntake).
 */
@Injectable()
export class RecipeSchedules {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  async started(workspaceId: string, recipeId: string, recipe: Recipe): Promise<void> {
    await this.register(workspaceId, recipeId, recipe, true);
  }

  /** Disables the schedule, keeping its row and a poll's cursor. */
  async stopped(workspaceId: string, recipeId: string, recipe: Recipe | undefined): Promise<void> {
    if (recipe?.trigger.type !== 'schedule' && recipe?.trigger.type !== 'poll') return;
    await this.register(workspaceId, recipeId, recipe, false);
  }

  /** Removes the schedule and a poll's cursor: the recipe is gone. */
  async removed(workspaceId: string, recipeId: string, recipe: Recipe | undefined): Promise<void> {
    if (recipe?.trigger.type !== 'schedule' && recipe?.trigger.type !== 'poll') return;
    await dependencyCall(this.bus.request(DeleteSchedule, { workspaceId, recipeId }, { workspaceId }));
  }

  /** The schedule's status for the recipe view; undefined when the recipe has none (never started). */
  async status(workspaceId: string, recipeId: string, recipe: Recipe, now = new Date()): Promise<RecipeScheduleStatus | undefined> {
    if (recipe.trigger?.type !== 'schedule' && recipe.trigger?.type !== 'poll') return undefined;
    let view;
    try {
      view = await dependencyCall(this.bus.request(GetSchedule, { workspaceId, recipeId }, { workspaceId }));
    } catch (error) {
      if (error instanceof RemoteError && error.code === 'not_found') return undefined;
      throw error;
    }
    const due = view.nextFireAt ? Date.parse(view.nextFireAt) : undefined;
    return {
      enabled: view.enabled,
      ...(view.nextFireAt ? { nextFireAt: view.nextFireAt } : {}),
      ...(view.lastFireAt ? { lastFireAt: view.lastFireAt } : {}),
      lagMs: view.enabled && due !== undefined ? Math.max(0, now.getTime() - due) : 0,
      ...(view.lastMisfire ? { lastMisfire: view.lastMisfire } : {}),
    };
  }

  private async register(workspaceId: string, recipeId: string, recipe: Recipe, enabled: boolean): Promise<void> {
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
            misfire: trigger.misfire?.policy === 'catchUp' ? { policy: 'catch_up', maxCatchUp: trigger.misfire.max } : { policy: 'skip' },
            enabled,
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
            enabled,
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
}
