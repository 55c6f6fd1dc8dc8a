import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { AuditPublisher } from '@junction/audit/contracts';
import type { Actor } from '@junction/executor/contracts';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { DURABLE_QUEUE, type DurableQueue } from '@junction/platform/ports';

const SELF: Actor = { type: 'service', id: 'executor' };

/** Audit events of recipe and job mutations, published after the change is committed. */
@Injectable()
export class ExecutorAudit {
  private readonly publisher: AuditPublisher;

  constructor(
    @Inject(DURABLE_QUEUE) queue: DurableQueue,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.publisher = new AuditPublisher(queue);
  }

  async record(
    request: { workspaceId: string; actor?: Actor },
    action: string,
    target: { type: 'recipe' | 'job' | 'workspace' | 'dead_letter' | 'approval'; id: string },
    changes?: Record<string, unknown>,
  ): Promise<void> {
    try {
      await this.publisher.record({ workspaceId: request.workspaceId, actor: request.actor ?? SELF, action, target, ...(changes ? { changes } : {}) });
    } catch (error) {
      // the change is committed: failing the request now would make the caller retry a done mutation
      this.logger.error({ err: error, action, target }, 'audit event not published');
    }
  }
}
