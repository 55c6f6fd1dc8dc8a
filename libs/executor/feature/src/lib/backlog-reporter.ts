import { Inject, Injectable, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { QUEUED_JOBS_CACHE_KEY, type QueuedJobsReport } from '@junction/executor/contracts';
import { JobRepository } from '@junction/executor/data-access';
import { OutageLog, ROOT_LOGGER } from '@junction/platform/logging';
import { ServiceMetrics } from '@junction/platform/metrics';
import { CACHE, type Cache } from '@junction/platform/ports';
import { ExecutorMetrics } from './executor-metrics';

const REPORT_EVERY_MS = 1000;
// a report outlives a few missed beats, not an executor that is gone
const REPORT_TTL_MS = 5000;
// the report is one cache value read by every gateway each second: the workspaces holding the most
const TOP_WORKSPACES = 100;

/**
 * Tells the gateway, through the cache, how many jobs wait to start. Every replica reports the
 * same table-wide count (and its split over the busiest workspaces); the last write wins.
 * Ingress refuses new events above its queue limit, and a workspace's above its share.
 */
@Injectable()
export class BacklogReporter implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private busy = false;
  // Postgres or Redis away: logged when the reports stop and when they resume, not every round
  private readonly failing: OutageLog;
  private readonly metrics?: ExecutorMetrics;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CACHE) private readonly cache: Cache,
    @Inject(ROOT_LOGGER) logger: Logger,
    @Optional() metrics?: ServiceMetrics,
  ) {
    this.failing = new OutageLog(logger, 'queued jobs report (Postgres or Redis)');
    this.metrics = metrics && ExecutorMetrics.of(metrics);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.report(), REPORT_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async report(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      // per workspace too: the gateway refuses a workspace holding its share of the queue, not everyone
      const { queued, byWorkspace } = await new JobRepository(this.dataSource.manager).countQueuedByWorkspace(TOP_WORKSPACES);
      const report: QueuedJobsReport = { queued, at: Date.now(), byWorkspace };
      this.metrics?.jobsQueued.set(queued);
      await this.cache.set(QUEUED_JOBS_CACHE_KEY, JSON.stringify(report), REPORT_TTL_MS);
      this.failing.up();
    } catch (error) {
      this.failing.down(error);
    } finally {
      this.busy = false;
    }
  }
}
