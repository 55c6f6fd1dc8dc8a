import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

export interface ExecutorOptions {
  /** Names this worker in `jobs.lease_owner`. */
  workerId: string;
  /** A job's lease; renewed every third of it while its worker lives, ms. */
  leaseMs: number;
  /** A driver past the deadline of everything it waits for by this much is stuck: its lease is no longer renewed, ms. */
  stallGraceMs: number;
  /** Jobs this process drives at once. */
  maxActiveJobs: number;
  /** How often an idle dispatcher looks for claimable jobs (new, woken, orphaned), ms. */
  pollIntervalMs: number;
  /** Waits up to this long stay in memory (lease held); longer ones give the lease up until due, ms. */
  inMemoryWaitMaxMs: number;
  /** Trigger events turned into jobs at once. */
  intakeConcurrency: number;
  /** How often overdue jobs (past their recipe timeout) are failed, ms. */
  sweepIntervalMs: number;
  /** The gateway's public base URL: connector webhook triggers register `<publicUrl>/hooks/<hookId>` with the provider. */
  publicUrl: string;
  /** Jobs past their deadline by this much are failed even if a worker holds them, ms. */
  overdueGraceMs: number;
  /** JSONata evaluations: inline budget on the event loop, full budget in the worker threads that take over past it (ms), worker threads. */
  expressionInlineMs: number;
  expressionTimeoutMs: number;
  expressionWorkers: number;
  /**
   * At start, hand back the leases of every other worker, so jobs a killed process was running are
   * re-driven at once instead of after `leaseMs`. Only where this process alone uses the database
   * (standalone mode, whose data directory is locked); in a cluster it would steal live replicas' jobs.
   */
  reclaimLeasesAtStart: boolean;
  /** A trigger event whose intake fails this many deliveries is kept as a dead letter (at most 1000, the consumer's bound). */
  triggerMaxDeliver: number;
  /**
   * A trigger event's job is committed without waiting for its WAL flush; the event is acked once a
   * later synchronous commit flushed it, or one made for it after this long, ms (#19).
   */
  durableFlushWaitMs: number;
  /** How long a delivered event (POST /v1/events) stays in the buffer for waits that start later, and deduplicates its id, ms. */
  eventBufferTtlMs: number;
  /** The newest this many events per (workspace, name, key) stay in that buffer. */
  eventBufferPerKey: number;
}

export const EXECUTOR_OPTIONS = Symbol('ExecutorOptions');

export function executorOptions(overrides: Partial<ExecutorOptions> = {}): ExecutorOptions {
  return {
    workerId: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    leaseMs: 15_000,
    stallGraceMs: 10_000,
    maxActiveJobs: 256,
    pollIntervalMs: 500,
    inMemoryWaitMaxMs: 30_000,
    intakeConcurrency: 32,
    sweepIntervalMs: 5_000,
    overdueGraceMs: 10_000,
    publicUrl: 'http://localhost:3000',
    expressionInlineMs: 20,
    expressionTimeoutMs: 1_000,
    expressionWorkers: 1,
    reclaimLeasesAtStart: false,
    durableFlushWaitMs: 20,
    triggerMaxDeliver: 1000,
    eventBufferTtlMs: 86_400_000,
    eventBufferPerKey: 100,
    ...overrides,
  };
}
