import { IsBoolean, IsInt, IsUrl, Max, Min } from 'class-validator';
import { PlatformEnv } from '@junction/platform/config';
import type { ServiceDefinition } from '@junction/platform/service';
import { ExecutorFeatureModule, executorDatabase } from './executor-feature.module';
import { executorAccess } from './executor.access';

class ExecutorEnv extends PlatformEnv {
  override PORT = 3004;
  override METRICS_PORT = 9464;

  /** A running job's lease, ms: how long after its worker dies another replica re-drives it. */
  @IsInt()
  @Min(1000)
  @Max(600_000)
  EXECUTOR_LEASE_MS = 15_000;

  /**
   * Set by standalone mode only (one process owns its data directory): at start, leases left by a
   * killed process are handed back at once instead of after EXECUTOR_LEASE_MS. Never in a cluster:
   * a running replica's jobs would be driven twice.
   */
  @IsBoolean()
  EXECUTOR_RECLAIM_LEASES_AT_START = false;

  /** Jobs one process drives at once. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  EXECUTOR_MAX_ACTIVE_JOBS = 256;

  /** How often an idle replica looks for claimable jobs (woken, orphaned), ms. */
  @IsInt()
  @Min(20)
  @Max(60_000)
  EXECUTOR_POLL_INTERVAL_MS = 500;

  /** Waits (retry backoff, delay) up to this long stay in memory; longer ones give the lease up, ms. */
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  EXECUTOR_IN_MEMORY_WAIT_MAX_MS = 30_000;

  /** How often a replica fails jobs past their recipe timeout, ms. */
  @IsInt()
  @Min(100)
  @Max(600_000)
  EXECUTOR_SWEEP_INTERVAL_MS = 5_000;

  /** A job past its deadline by this much is failed even while a worker holds it, ms. */
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  EXECUTOR_OVERDUE_GRACE_MS = 10_000;

  /** A JSONata evaluation runs this long on the event loop before the rest of its budget moves to a worker thread, ms. */
  @IsInt()
  @Min(1)
  @Max(1_000)
  EXECUTOR_EXPRESSION_INLINE_MS = 20;

  /** Whole budget of one JSONata evaluation, ms (a worker still busy a second past it is terminated). */
  @IsInt()
  @Min(1)
  @Max(60_000)
  EXECUTOR_EXPRESSION_TIMEOUT_MS = 1_000;

  /** Worker threads for JSONata evaluations past the inline budget. */
  @IsInt()
  @Min(1)
  @Max(64)
  EXECUTOR_EXPRESSION_WORKERS = 1;

  /** Deliveries of a trigger event whose intake keeps failing before it becomes a dead letter (its last error kept). */
  @IsInt()
  @Min(1)
  @Max(1000)
  EXECUTOR_TRIGGER_MAX_DELIVER = 1000;

  /** A stored trigger event is acked once a later synchronous commit flushed its job, or one made for it after this long, ms. */
  @IsInt()
  @Min(0)
  @Max(60_000)
  EXECUTOR_DURABLE_FLUSH_WAIT_MS = 20;

  /** How long a delivered event (POST /v1/events) stays buffered for waitFor steps that start later, and deduplicates its id, ms (default 24 h). */
  @IsInt()
  @Min(1_000)
  @Max(30 * 86_400_000)
  EXECUTOR_EVENT_BUFFER_TTL_MS = 86_400_000;

  /** The newest this many events per (workspace, name, key) stay buffered. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  EXECUTOR_EVENT_BUFFER_PER_KEY = 100;

  /** The gateway's public base URL, registered with providers by connector webhook triggers. */
  @IsUrl({ require_tld: false, require_protocol: true })
  JUNCTION_PUBLIC_URL = 'http://localhost:3000';
}

export const executorService: ServiceDefinition<ExecutorEnv> = {
  name: 'executor',
  access: executorAccess,
  env: ExecutorEnv,
  database: executorDatabase,
  imports: (env) => [
    ExecutorFeatureModule.forRoot({
      leaseMs: env.EXECUTOR_LEASE_MS,
      maxActiveJobs: env.EXECUTOR_MAX_ACTIVE_JOBS,
      pollIntervalMs: env.EXECUTOR_POLL_INTERVAL_MS,
      inMemoryWaitMaxMs: env.EXECUTOR_IN_MEMORY_WAIT_MAX_MS,
      sweepIntervalMs: env.EXECUTOR_SWEEP_INTERVAL_MS,
      overdueGraceMs: env.EXECUTOR_OVERDUE_GRACE_MS,
      expressionInlineMs: env.EXECUTOR_EXPRESSION_INLINE_MS,
      expressionTimeoutMs: env.EXECUTOR_EXPRESSION_TIMEOUT_MS,
      expressionWorkers: env.EXECUTOR_EXPRESSION_WORKERS,
      reclaimLeasesAtStart: env.EXECUTOR_RECLAIM_LEASES_AT_START,
      triggerMaxDeliver: env.EXECUTOR_TRIGGER_MAX_DELIVER,
      durableFlushWaitMs: env.EXECUTOR_DURABLE_FLUSH_WAIT_MS,
      eventBufferTtlMs: env.EXECUTOR_EVENT_BUFFER_TTL_MS,
      eventBufferPerKey: env.EXECUTOR_EVENT_BUFFER_PER_KEY,
      publicUrl: env.JUNCTION_PUBLIC_URL.replace(/\/+$/, ''),
    }),
  ],
};
