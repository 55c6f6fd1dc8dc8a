import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { DeadLetterRepository } from '@junction/executor/data-access';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { ServiceMetrics } from '@junction/platform/metrics';
import type { DeadMessage } from '@junction/platform/ports';
import { scrubText } from '@junction/platform/tracing';
import { ExecutorAudit } from './executor-audit';
import { ExecutorMetrics } from './executor-metrics';
import { newDeadLetterId } from './job-ids';
import { causedByData } from './sql-errors';
import { namedBy, sourceOf } from './trigger-events';

// a detail is an error message: longer ones are cut
const DETAIL_MAX_CHARS = 2000;

/**
 * Keeps the trigger events the executor gives up on (invalid, or failed on their last delivery)
 * as dead letters, and audits each once. The event is stored as received, like a job's trigger;
 * logs name the letter and its reason, never the event. Throws when the row cannot be written:
 * the queue then redelivers the message instead of losing it.
 */
@Injectable()
export class DeadLetterKeeper {
  private readonly metrics?: ExecutorMetrics;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: ExecutorAudit,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Optional() metrics?: ServiceMetrics,
  ) {
    this.metrics = metrics && ExecutorMetrics.of(metrics);
  }

  async keep(message: DeadMessage): Promise<void> {
    const { workspaceId, recipeId } = namedBy(message.body, message.workspaceId);
    const where = { subject: message.subject, sequence: message.sequence, reason: message.reason };
    if (!workspaceId) {
      // no tenant to show it to: the log line is all there is
      this.logger.error({ ...where, detail: deadLetterDetail(message.detail) }, 'dead trigger event names no workspace; dropped');
      return;
    }
    const id = newDeadLetterId();
    const letter = {
      id,
      workspaceId,
      recipeId: recipeId ?? null,
      subject: message.subject,
      streamSequence: message.sequence,
      reason: message.reason,
      detail: deadLetterDetail(message.detail),
      deliveryCount: message.deliveryCount,
    };
    const repo = new DeadLetterRepository(this.dataSource.manager);
    let kept: boolean;
    try {
      kept = await repo.insert({ ...letter, event: message.body });
    } catch (error) {
      // the body itself is what the database refuses (a NUL in a string, say): keep the letter without it
      if (!causedByData(error)) throw error;
      kept = await repo.insert({ ...letter, event: undefined, detail: `${letter.detail} (the event could not be stored: ${(error as Error).message})` });
    }
    if (!kept) return;
    this.metrics?.deadLettered(sourceOf(message.subject), message.reason);
    this.logger.warn({ ...where, deadLetterId: id, workspaceId, recipeId, deliveryCount: message.deliveryCount }, 'trigger event dead-lettered');
    await this.audit.record(
      { workspaceId },
      'dead_letter.created',
      { type: 'dead_letter', id },
      {
        reason: message.reason,
        source: sourceOf(message.subject),
        ...(recipeId ? { recipeId } : {}),
        deliveryCount: message.deliveryCount,
      },
    );
  }
}

/**
 * A dead letter's reason as kept and shown: an error message may quote a URL with its query, a
 * bearer token or a key; those parts are scrubbed as in spans. Long messages are cut.
 */
export function deadLetterDetail(detail: string): string {
  const scrubbed = scrubText(detail);
  return scrubbed.length > DETAIL_MAX_CHARS ? `${scrubbed.slice(0, DETAIL_MAX_CHARS)}…` : scrubbed;
}
