import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { AuditEventStore, AuditPartitions, type RetentionRecord } from '@junction/audit/data-access';
import { expiredMonths, monthsToCreate } from '@junction/audit/domain';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { AUDIT_CLOCK, AUDIT_OPTIONS, type AuditFeatureOptions, type Clock } from './tokens';

const DEFAULT_PARTITIONS_AHEAD = 2;

/**
 * Keeps partitions ahead of the clock and applies retention: at start (before the consumer
 * takes its first message) and then every interval. Every replica runs it; the partition lock
 * makes them take turns, and a second run finds nothing left to do.
 */
@Injectable()
export class AuditMaintenance implements OnModuleInit, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<RetentionRecord[]>;

  constructor(
    private readonly partitions: AuditPartitions,
    private readonly store: AuditEventStore,
    @Inject(AUDIT_OPTIONS) private readonly options: AuditFeatureOptions,
    @Inject(AUDIT_CLOCK) private readonly clock: Clock,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.run();
    const sealed = await this.store.sealLegacyChains();
    if (sealed > 0) this.logger.info({ workspaces: sealed }, `audit: the unkeyed chains of ${sealed} workspaces sealed under the audit chain key`);
    this.timer = setInterval(() => {
      this.run().catch((error: unknown) => this.logger.error({ err: error }, 'audit maintenance failed; retried next interval'));
    }, this.options.maintenanceIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Creates the partitions due and drops the expired ones; returns what was dropped. */
  run(): Promise<RetentionRecord[]> {
    this.running ??= this.maintain().finally(() => (this.running = undefined));
    return this.running;
  }

  private async maintain(): Promise<RetentionRecord[]> {
    const now = this.clock();
    await this.partitions.ensure(monthsToCreate(now, this.options.partitionsAhead ?? DEFAULT_PARTITIONS_AHEAD));
    const dropped: RetentionRecord[] = [];
    for (const month of expiredMonths(await this.partitions.list(), now, this.options.retentionMonths)) {
      const record = await this.partitions.drop(month, this.options.retentionMonths, now);
      if (!record) continue;
      this.logger.info({ retention: record }, `audit partition ${record.partition} dropped by retention (${record.rowsDropped} rows)`);
      dropped.push(record);
    }
    return dropped;
  }
}
