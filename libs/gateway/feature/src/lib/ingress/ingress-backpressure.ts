import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { QUEUED_JOBS_CACHE_KEY, TRIGGER_INTAKE_DURABLE, TriggerReceived, type QueuedJobsReport } from '@junction/executor/contracts';
import { ProblemException } from '@junction/platform/http';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { CACHE, DURABLE_QUEUE, RATE_LIMITERS, type Cache, type DurableQueue, type RateLimiter, type RateLimiters } from '@junction/platform/ports';
import { SERVICE_ENV } from '@junction/platform/service';

/** The part of the gateway's environment read here. */
export interface IngressEnv {
  /** Accepted events not yet started (stream backlog + queued jobs) at which ingress answers 503; 0 disables. */
  INGRESS_QUEUE_LIMIT?: number;
  /** Events one workspace may have accepted (webhooks and API runs) per window; 0 disables. */
  INGRESS_WORKSPACE_RATE_LIMIT?: number;
  INGRESS_WORKSPACE_RATE_WINDOW_SEC?: number;
}

export const INGRESS_WORKSPACE_DEFAULTS = { INGRESS_WORKSPACE_RATE_LIMIT: 5000, INGRESS_WORKSPACE_RATE_WINDOW_SEC: 10 } as const;

// how stale the measured backlog may be; between measurements this gateway counts what it accepted
const MEASURE_EVERY_MS = 1000;
const RETRY_AFTER_SECONDS = 5;

/**
 * Backpressure at the door (spec §5.5): a saturated Junction lets its queue grow on disk up to a
 * configured limit, then webhooks and API runs get `503` with `Retry-After` and nothing is
 * stored. The backlog is the trigger stream's unconsumed messages plus the jobs the executors
 * report as queued; it is measured at most once a second, never per request.
 */
@Injectable()
export class IngressBackpressure {
  private readonly limit: number;
  private measured = 0;
  private acceptedSince = 0;
  private measuredAt = 0;
  private measuring?: Promise<void>;
  private readonly perWorkspace?: RateLimiter;

  constructor(
    @Inject(DURABLE_QUEUE) private readonly queue: DurableQueue,
    @Inject(CACHE) private readonly cache: Cache,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Optional() @Inject(SERVICE_ENV) env?: IngressEnv,
    @Optional() @Inject(RATE_LIMITERS) limiters?: RateLimiters,
  ) {
    this.limit = env?.INGRESS_QUEUE_LIMIT ?? 0;
    const points = env?.INGRESS_WORKSPACE_RATE_LIMIT ?? INGRESS_WORKSPACE_DEFAULTS.INGRESS_WORKSPACE_RATE_LIMIT;
    const windowSec = env?.INGRESS_WORKSPACE_RATE_WINDOW_SEC ?? INGRESS_WORKSPACE_DEFAULTS.INGRESS_WORKSPACE_RATE_WINDOW_SEC;
    if (limiters && points > 0) this.perWorkspace = limiters.create({ name: 'ingress-workspace', points, windowSec });
  }

  /**
   * One workspace's share of the door: a workspace whose webhooks or API runs flood in past its
   * quota gets `429` + `Retry-After` (nothing stored) while other workspaces' events are accepted.
   * The global limit above protects the platform; this keeps one tenant from spending it all.
   */
  async admitWorkspace(workspaceId: string): Promise<void> {
    if (!this.perWorkspace) return;
    const decision = await this.perWorkspace.consume(workspaceId);
    if (decision.allowed) return;
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    throw new ProblemException('workspace-ingress-quota', 'Too many requests', 429, {
      detail: `This workspace's ingress quota (${decision.limit} events per ${this.perWorkspace.policy.windowSec} s) is spent; nothing was stored. Retry after ${seconds} s.`,
      headers: { 'Retry-After': String(seconds) },
    });
  }

  /** Throws a 503 problem when the queue is at its limit. */
  async admit(): Promise<void> {
    if (this.limit <= 0) return;
    if (Date.now() - this.measuredAt >= MEASURE_EVERY_MS) {
      this.measuring ??= this.measure().finally(() => (this.measuring = undefined));
      // an admission goes on with the last number while a new one is taken; a refusal waits for it
      if (this.measuredAt === 0 || this.measured + this.acceptedSince >= this.limit) await this.measuring;
    }
    const backlog = this.measured + this.acceptedSince;
    if (backlog >= this.limit) {
      throw new ProblemException('queue-full', 'Service unavailable', 503, {
        detail: `About ${backlog} accepted events wait to run (limit ${this.limit}); nothing was stored. Retry later.`,
        headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
      });
    }
  }

  /** An event was stored: counted until the next measurement includes it. */
  accepted(): void {
    if (this.limit > 0) this.acceptedSince++;
  }

  private async measure(): Promise<void> {
    try {
      const [stream, report] = await Promise.all([this.queue.backlog(TriggerReceived, TRIGGER_INTAKE_DURABLE), this.cache.get(QUEUED_JOBS_CACHE_KEY)]);
      const queued = report ? (JSON.parse(report) as QueuedJobsReport).queued : 0;
      this.measured = stream + queued;
      this.acceptedSince = 0;
    } catch (error) {
      // keep the last number: publishing will fail on its own if NATS is what broke
      this.logger.warn({ err: error }, 'could not measure the ingress backlog');
    }
    this.measuredAt = Date.now();
  }
}
