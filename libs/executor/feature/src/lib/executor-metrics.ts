import { Counter, Gauge, Histogram } from 'prom-client';
import { connectorActionLabels } from '@junction/connectors/contracts';
import { DEAD_LETTER_SOURCES, type DeadLetterSource } from '@junction/executor/contracts';
import type { JobRow } from '@junction/executor/data-access';
import type { StepRecord, StepResult } from '@junction/executor/domain';
import type { ServiceMetrics } from '@junction/platform/metrics';

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const WAITS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600];

/** Why a job is driven again from its last checkpoint by a claim rather than by the worker that held it. */
export type RedriveReason = 'restart' | 'shutdown' | 'stuck' | 'taken';
const REDRIVE_REASONS: RedriveReason[] = ['restart', 'shutdown', 'stuck', 'taken'];
// a job's terminal statuses, and timed_out for a job failed past its recipe timeout by the sweep
const JOB_OUTCOMES = ['succeeded', 'failed', 'cancelled', 'stopped', 'timed_out'];

/**
 * The executor's questions: how many jobs start and how they end, how long a new job waits for a
 * worker, how long steps take and how often they are tried again, how long providers make us wait
 * (Retry-After), and how often a job changes hands. Labels are trigger kinds, outcomes, error kinds
 * and built-in connector actions (custom connectors are one `custom` series): never ids.
 */
export class ExecutorMetrics {
  private static readonly byRegistry = new WeakMap<ServiceMetrics, ExecutorMetrics>();

  readonly jobsStarted: Counter<'trigger'>;
  readonly jobsFinished: Counter<'outcome'>;
  readonly claimLatency: Histogram;
  readonly jobsQueued: Gauge;
  readonly stepDuration: Histogram<'connector' | 'action' | 'outcome'>;
  readonly stepAttempts: Counter<'connector' | 'action' | 'outcome'>;
  readonly retries: Counter<'kind' | 'reason'>;
  readonly retryAfter: Histogram;
  readonly leasesRedriven: Counter<'reason'>;
  readonly deadLetters: Counter<'source' | 'reason'>;
  private readonly series = new Map<string, { connector: string; action: string; outcome: string }>();

  /** One set per service registry (the dispatcher, the driver and the reporter share it). */
  static of(metrics: ServiceMetrics): ExecutorMetrics {
    let found = ExecutorMetrics.byRegistry.get(metrics);
    if (!found) {
      found = new ExecutorMetrics(metrics);
      ExecutorMetrics.byRegistry.set(metrics, found);
    }
    return found;
  }

  private constructor(metrics: ServiceMetrics) {
    const registers = [metrics.registry];
    this.jobsStarted = new Counter({ name: 'junction_jobs_started_total', help: 'Jobs claimed for their first run, by trigger kind', labelNames: ['trigger'], registers });
    this.jobsFinished = new Counter({
      name: 'junction_jobs_finished_total',
      help: 'Jobs ended, by outcome (succeeded, failed, cancelled, stopped, timed_out)',
      labelNames: ['outcome'],
      registers,
    });
    this.claimLatency = new Histogram({
      name: 'junction_job_claim_latency_seconds',
      help: 'From a job’s creation to its first claim by a worker',
      buckets: SECONDS,
      registers,
    });
    this.jobsQueued = new Gauge({ name: 'junction_jobs_queued', help: 'Jobs waiting to start (every workspace; the same table-wide count on every replica)', registers });
    this.stepDuration = new Histogram({
      name: 'junction_step_duration_seconds',
      help: 'One attempt of an action step, sent to answered, by connector, action and outcome (succeeded, failed, retrying, deferred)',
      labelNames: ['connector', 'action', 'outcome'],
      buckets: SECONDS,
      registers,
    });
    this.stepAttempts = new Counter({
      name: 'junction_step_attempts_total',
      help: 'Attempts of action steps, by connector, action and outcome (succeeded, failed, retrying, deferred)',
      labelNames: ['connector', 'action', 'outcome'],
      registers,
    });
    this.retries = new Counter({
      name: 'junction_step_retries_total',
      help: 'Step attempts tried again, by error kind and reason (retry: an attempt spent; deferred: an open circuit or throttle, none spent)',
      labelNames: ['kind', 'reason'],
      registers,
    });
    this.retryAfter = new Histogram({
      name: 'junction_step_retry_after_seconds',
      help: 'Waits a provider or a rate limit asked for (Retry-After) before the next attempt',
      buckets: WAITS,
      registers,
    });
    this.leasesRedriven = new Counter({
      name: 'junction_leases_redriven_total',
      help: 'Running jobs whose lease was handed back or lost, so that a claim re-drives them from their last checkpoint, by reason (restart, shutdown, stuck, taken)',
      labelNames: ['reason'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'junction_dead_letters_total',
      help: 'Trigger events kept as dead letters (GET /v1/dead-letters), by source (trigger, schedule, poll) and reason (invalid, max_deliveries)',
      labelNames: ['source', 'reason'],
      registers,
    });
    // every bounded series present from the start at 0: rate() and alerts see a counter before its first event
    for (const outcome of JOB_OUTCOMES) this.jobsFinished.inc({ outcome }, 0);
    for (const reason of REDRIVE_REASONS) this.leasesRedriven.inc({ reason }, 0);
    for (const source of DEAD_LETTER_SOURCES) for (const reason of ['invalid', 'max_deliveries'] as const) this.deadLetters.inc({ source, reason }, 0);
  }

  /** After a claim: the jobs on their first run (no engine state yet) count as started. */
  claimed(jobs: JobRow[]): void {
    for (const job of jobs) {
      if (job.state !== null || !job.startedAt) continue;
      this.jobsStarted.inc({ trigger: job.triggerKind });
      // both from the database's clock: no skew between replicas
      this.claimLatency.observe(Math.max(0, job.startedAt.getTime() - new Date(job.createdAt).getTime()) / 1000);
    }
  }

  /**
   * After a committed checkpoint: its action records (one per attempt ended), the retry waits the
   * answer asked for, and the job's end. `actionOf` names a record's `connector.action`;
   * `sentAt` is when the record's attempt was sent.
   */
  checkpointed(records: StepRecord[], result: StepResult | undefined, actionOf: (r: StepRecord) => string | undefined, sentAt: (r: StepRecord) => number, now: number): void {
    for (const record of records) {
      if (record.kind !== 'action') continue;
      const action = actionOf(record);
      if (!action) continue;
      const series = this.seriesOf(action, record.status);
      this.stepAttempts.inc(series);
      this.stepDuration.observe(series, Math.max(0, now - sentAt(record)) / 1000);
      if (record.status === 'retrying' || record.status === 'deferred') {
        this.retries.inc({ kind: record.error?.kind ?? 'unknown', reason: record.status === 'retrying' ? 'retry' : 'deferred' });
        const asked = result && !result.ok ? result.error.retryAfterMs : undefined;
        if (typeof asked === 'number' && asked >= 0) this.retryAfter.observe(asked / 1000);
      }
    }
  }

  /** The label set of an action's attempts, made once per action and outcome (a bounded set: built-in actions, `custom`). */
  private seriesOf(action: string, outcome: string): { connector: string; action: string; outcome: string } {
    const key = `${action} ${outcome}`;
    let series = this.series.get(key);
    if (!series) {
      series = { ...connectorActionLabels(action), outcome };
      // custom actions all map to one series, but their names are the tenants': the cache stays bounded
      if (this.series.size < 1_000) this.series.set(key, series);
    }
    return series;
  }

  finished(outcome: string, count = 1): void {
    if (count > 0) this.jobsFinished.inc({ outcome }, count);
  }

  redriven(reason: RedriveReason, count = 1): void {
    if (count > 0) this.leasesRedriven.inc({ reason }, count);
  }

  deadLettered(source: DeadLetterSource, reason: string): void {
    this.deadLetters.inc({ source, reason });
  }
}
