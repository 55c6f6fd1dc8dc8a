import { Inject, Injectable } from '@nestjs/common';
import { TriggerLifecycle } from '@junction/connectors/contracts';
import type { Recipe, WebhookTrigger } from '@junction/executor/contracts';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { dependencyCall } from './dependency-call';
import { EXECUTOR_OPTIONS, type ExecutorOptions } from './executor.options';

type ConnectorWebhook = WebhookTrigger & { connector: string; trigger: string };

function connectorWebhook(recipe: Recipe | undefined): ConnectorWebhook | undefined {
  const trigger = recipe?.trigger;
  return trigger?.type === 'webhook' && trigger.connector && trigger.trigger ? (trigger as ConnectorWebhook) : undefined;
}

/** A connector webhook trigger's lifecycle: `onEnable` registers the recipe's hook URL with the provider, `onDisable` removes it. */
@Injectable()
export class ConnectorHooks {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(EXECUTOR_OPTIONS) private readonly options: ExecutorOptions,
  ) {}

  /** The provider's id of the registered hook; undefined when the trigger has no connector. */
  async enable(workspaceId: string, recipe: Recipe, hookId: string): Promise<string | undefined> {
    const trigger = connectorWebhook(recipe);
    if (!trigger) return undefined;
    const answer = await dependencyCall(
      this.bus.request(
        TriggerLifecycle,
        {
          workspaceId,
          action: 'enable',
          connector: trigger.connector,
          trigger: trigger.trigger,
          ...(trigger.connection ? { connectionId: trigger.connection } : {}),
          config: { ...trigger.input },
          webhookUrl: `${this.options.publicUrl}/hooks/${hookId}`,
        },
        { workspaceId },
      ),
    );
    return answer.externalId;
  }

  async disable(workspaceId: string, recipe: Recipe | undefined, externalId: string | null): Promise<void> {
    const trigger = connectorWebhook(recipe);
    if (!trigger) return;
    await dependencyCall(
      this.bus.request(
        TriggerLifecycle,
        {
          workspaceId,
          action: 'disable',
          connector: trigger.connector,
          trigger: trigger.trigger,
          ...(trigger.connection ? { connectionId: trigger.connection } : {}),
          config: { ...trigger.input },
          ...(externalId ? { externalId } : {}),
        },
        { workspaceId },
      ),
    );
  }
}
