import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { AuditEventRecorded, type AuditEventPayload } from '@junction/audit/contracts';
import { AuditEventStore, AuditPartitions } from '@junction/audit/data-access';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { OnMessage } from '@junction/platform/messaging';
import { ServiceMetrics } from '@junction/platform/metrics';
import type { DeliveryMeta } from '@junction/platform/ports';
import { AuditMetrics } from './audit-metrics';
import { AUDIT_CLOCK, type Clock } from './tokens';

/**
 * Stores every audit event published on the AUDIT stream, once. A failure (Postgres down, say)
 * throws, and JetStream redelivers with backoff; `maxDeliver` is set so high that an outage of
 * days does not exhaust it, because a dropped audit event is a hole in the log.
 */
@Injectable()
export class AuditIngestHandler {
  private readonly metrics?: AuditMetrics;

  constructor(
    private readonly store: AuditEventStore,
    private readonly partitions: AuditPartitions,
    @Inject(AUDIT_CLOCK) private readonly clock: Clock,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Optional() metrics?: ServiceMetrics,
  ) {
    this.metrics = metrics && AuditMetrics.of(metrics);
  }

  @OnMessage(AuditEventRecorded, { durable: 'audit-store', concurrency: 8, ackWaitMs: 30_000, maxDeliver: 100_000 })
  async record(event: AuditEventPayload, meta: DeliveryMeta): Promise<void> {
    const now = this.clock();
    await this.partitions.ensureFor(now);
    const result = await this.store.append(event, now);
    this.metrics?.stored(event.at, now, result.stored);
    if (!result.stored) {
      const other = result.duplicateOf.workspaceId !== event.workspaceId;
      this.logger[other ? 'warn' : 'debug'](
        { eventId: event.id, workspaceId: event.workspaceId, storedIn: result.duplicateOf, deliveryCount: meta.deliveryCount },
        other ? 'audit event id already stored for another workspace; ignored' : 'audit event already stored',
      );
    }
  }
}
