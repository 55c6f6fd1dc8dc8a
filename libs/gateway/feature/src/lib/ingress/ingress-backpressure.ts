import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { QUEUED_JOBS_CACHE_KEY, TRIGGER_INTAKE_DURABLE, TriggerReceived, type QueuedJobsReport } from '@junction/executor/contracts';
import { ProblemException } from '@junction/platform/http';
import { OutageLog, ROOT_LOGGER } from '@junction/platform/logging';
import { CACHE, DURABLE_QUEUE, RATE_LIMITERS, type Cache, type DurableQueue, type RateLimiter, type RateLimiters } from '@junction/platform/ports';
import { SERVICE_ENV } from '@junction/platform/service';

/** The part of the gateway's environment read here. */
export interface IngressEnv {
  /** Accepted events not yet started (stream backlog + queued jobs) at which ingress answers 503; 0 disables. */
  INGRESS_QUEUE_LIMIT?: number;
  /** Queued jobs one workspace may have before its ingress answers 429; -1 or unset: half the queue limit; 0 disables. */
  INGRESS_WORKSPACE_QUEUE_LIMIT?: number;
  /** Events one workspace may send (webhooks and API runs) per window; 0 (the default) disables. */
  INGRESS_WORKSPACE_RATE_LIMIT?: number;
  INGRESS_WORKSPACE_RATE_WINDOW_SEC?: number;
}

// how stale the measured backlog may be; between measurements this gateway counts what it accepted
const MEASURE_EVERY_MS = 1000;
const RETRY_AFTER_SECONDS = 5;
const DEFAULT_RATE_WINDOW_SEC = 10;
const RECENT_WITHOUT_REPORT_MS = 10_000;

/**
 * Backpressure at the door (spec §5.5): a saturated Junction lets its queue grow on disk up to a
 * configured limit, then webhooks and API runs get `503` with `Retry-After` and nothing is
 * stored. The backlog is the trigger stream's unconsumed messages plus the jobs the executors
 * report as queued; it is measured at most once a second, never per request.
 *
 * Each workspace also has its share: once its own queued jobs reach the workspace limit (half
 * the global one unless configured), its events get `429` + `Retry-After` while other
 * workspaces' are still accepted — one tenant's flood cannot fill the whole queue and close the
 * door for everyone. An optional per-workspace rate (events per window) caps bursts as well.
 */
@Injectable()
export class IngressBackpressure {
  private readonly limit: number;
  private readonly workspaceLimit: number;
  private measured = 0;
  private acceptedSince = 0;
  private measuredByWorkspace = new Map<string, number>();
  // when this gateway accepted each workspace's recent events: those after the executors' report
  // are not in its counts yet. Pruned at each measurement (and capped at the share), so it holds
  // only the workspaces seen since the last report
  private recentByWorkspace = new Map<string, number[]>();
  private reportAt = 0;
  private measuredAt = 0;
  private measuring?: Promise<void>;
  // NATS or Redis away: logged when measuring stops working and when it works again, not every second
  private measureFailing?: OutageLog;
  private readonly perWorkspaceRate?: RateLimiter;

  constructor(
    @Inject(DURABLE_QUEUE) private readonly queue: DurableQueue,
    @Inject(CACHE) private readonly cache: Cache,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Optional() @Inject(SERVICE_ENV) env?: IngressEnv,
    @Optional() @Inject(RATE_LIMITERS) limiters?: RateLimiters,
  ) {
    this.limit = env?.INGRESS_QUEUE_LIMIT ?? 0;
    const share = env?.INGRESS_WORKSPACE_QUEUE_LIMIT ?? -1;
    this.workspaceLimit = share < 0 ? Math.floor(this.limit / 2) : share;
    const points = env?.INGRESS_WORKSPACE_RATE_LIMIT ?? 0;
    if (limiters && points > 0) {
      this.perWorkspaceRate = limiters.create({ name: 'ingress-workspace', points, windowSec: env?.INGRESS_WORKSPACE_RATE_WINDOW_SEC ?? DEFAULT_RATE_WINDOW_SEC });
    }
  }

  /** Throws a 503 problem when the queue is at its limit. */
  async admit(): Promise<void> {
    if (this.limit <= 0) return;
    await this.fresh(() => this.measured + this.acceptedSince >= this.limit);
    const backlog = this.measured + this.acceptedSince;
    if (backlog >= this.limit) {
      throw new ProblemException('queue-full', 'Service unavailable', 503, {
        detail: `About ${backlog} accepted events wait to run (limit ${this.limit}); nothing was stored. Retry later.`,
        headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
      });
    }
  }

  /** Throws a 429 problem when this workspace holds its share of the queue, or has sent its quota of events. */
  async admitWorkspace(workspaceId: string): Promise<void> {
    if (this.workspaceLimit > 0) {
      const backlogOf = () => (this.measuredByWorkspace.get(workspaceId) ?? 0) + this.acceptedAfterReport(workspaceId);
      await this.fresh(() => backlogOf() >= this.workspaceLimit);
      const backlog = backlogOf();
      if (backlog >= this.workspaceLimit) {
        throw new ProblemException('workspace-queue-full', 'Too many requests', 429, {
          detail: `About ${backlog} of this workspace's events wait to run (its limit is ${this.workspaceLimit}); nothing was stored. Retry later.`,
          headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
        });
      }
    }
    if (!this.perWorkspaceRate) return;
    const decision = await this.perWorkspaceRate.consume(workspaceId);
    if (decision.allowed) return;
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    throw new ProblemException('workspace-ingress-quota', 'Too many requests', 429, {
      detail: `This workspace's ingress quota (${decision.limit} events per ${this.perWorkspaceRate.policy.windowSec} s) is spent; nothing was stored. Retry after ${seconds} s.`,
      headers: { 'Retry-After': String(seconds) },
    });
  }

  /** An event was stored: counted until the next measurement includes it. */
  accepted(workspaceId?: string): void {
    if (this.limit > 0) this.acceptedSince++;
    if (this.workspaceLimit > 0 && workspaceId) {
      const times = this.recentByWorkspace.get(workspaceId) ?? [];
      // kept ascending (a clock stepping back does not reorder them), so counting is a binary search
      if (times.length < this.workspaceLimit) times.push(Math.max(Date.now(), times[times.length - 1] ?? 0));
      this.recentByWorkspace.set(workspaceId, times);
    }
  }

  /** Accepted after the executors' report: a search, not a scan (a busy workspace holds thousands, and every request asks). */
  private acceptedAfterReport(workspaceId: string): number {
    const times = this.recentByWorkspace.get(workspaceId);
    if (!times) return 0;
    let low = 0;
    let high = times.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (times[mid] > this.reportAt) high = mid;
      else low = mid + 1;
    }
    return times.length - low;
  }

  /** Starts a new measurement when the last is over a second old; waits for it only when about to refuse. */
  private async fresh(wouldRefuse: () => boolean): Promise<void> {
    if (Date.now() - this.measuredAt < MEASURE_EVERY_MS) return;
    this.measuring ??= this.measure().finally(() => (this.measuring = undefined));
    // an admission goes on with the last number while a new one is taken; a refusal waits for it
    if (this.measuredAt === 0 || wouldRefuse()) await this.measuring;
  }

  private async measure(): Promise<void> {
    try {
      const [stream, report] = await Promise.all([this.queue.backlog(TriggerReceived, TRIGGER_INTAKE_DURABLE), this.cache.get(QUEUED_JOBS_CACHE_KEY)]);
      const parsed = report ? (JSON.parse(report) as QueuedJobsReport) : undefined;
      this.measured = stream + (parsed?.queued ?? 0);
      this.acceptedSince = 0;
      this.measuredByWorkspace = new Map(Object.entries(parsed?.byWorkspace ?? {}));
      this.reportAt = parsed?.at ?? 0;
      // without a report (no executor) recent acceptances still count, for a while
      const keepAfter = Math.max(this.reportAt, Date.now() - RECENT_WITHOUT_REPORT_MS);
      for (const [workspaceId, times] of this.recentByWorkspace) {
        const kept = times.filter((at) => at > keepAfter);
        if (kept.length) this.recentByWorkspace.set(workspaceId, kept);
        else this.recentByWorkspace.delete(workspaceId);
      }
      this.measureFailing?.up();
    } catch (error) {
      // keep the last number: publishing will fail on its own if NATS is what broke
      (this.measureFailing ??= new OutageLog(this.logger, 'ingress backlog measurement (NATS or Redis)')).down(error);
    }
    this.measuredAt = Date.now();
  }
}
