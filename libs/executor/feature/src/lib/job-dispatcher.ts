import { Inject, Injectable, Optional, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { AlertRepository, JobRepository, type JobRow } from '@junction/executor/data-access';
import { OutageLog, ROOT_LOGGER } from '@junction/platform/logging';
import { ServiceMetrics } from '@junction/platform/metrics';
import { isServerUnavailable } from '@junction/platform/ports';
import { EXECUTOR_OPTIONS, type ExecutorOptions } from './executor.options';
import { ExecutorMetrics } from './executor-metrics';
import { FlowGate } from './flow-gate';
import { JobDriver, type LeaseView } from './job-driver';
import { DEFAULT_CONCURRENCY } from './child-jobs';
import { newJobId } from './job-ids';
import { JobSignals, type LeaseOffer } from './job-signals';

const SHUTDOWN_GRACE_MS = 5_000;

/** One job driven here: its driver, and the waits it declared (see LeaseView). */
interface Run {
  task: Promise<void>;
  waits: Set<{ what: string; until: number }>;
  /** Taken from this worker, or given up as stuck. */
  lost: boolean;
}

/**
 * Each replica: claims runnable jobs (new, re-run, woken, or orphaned by a dead worker whose
 * lease ran out) up to `maxActiveJobs`, drives them, renews their leases, and fails jobs past
 * their recipe timeout. Claims serialise on an advisory lock and skip locked rows, so any number
 * of replicas share the table; a lost lease stops the local driver at its next checkpoint.
 *
 * A lease is renewed only while its driver is advancing the job: within the deadline (plus
 * `stallGraceMs`) of something it said it waits for. A driver stuck past all of them (a promise
 * that never settles) is logged once and dropped; its lease runs out, a claim here or on another
 * replica re-drives the job from its last checkpoint (the claim moves the revision on), and the
 * stuck driver, should it ever wake, loses its compare-and-set at its next checkpoint.
 */
@Injectable()
export class JobDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly active = new Map<string, Run>();
  private running = false;
  private wake?: () => void;
  private nudged = false;
  private loops: Promise<void>[] = [];
  private unsubscribe?: () => void;
  private unoffer?: () => void;
  // room promised to inserts leasing their new jobs here (JobSignals.leaseOffer), not taken yet
  private reserved = 0;
  // the last claim found fewer runnable jobs than it had room for: none waits, new ones may skip the queue
  private drained = false;
  private readonly sleepers = new Set<() => void>();
  // Postgres away: one line when it goes and one when it is back, not one per poll and per job
  private readonly database: OutageLog;
  private readonly metrics?: ExecutorMetrics;

  constructor(
    private readonly dataSource: DataSource,
    private readonly driver: JobDriver,
    private readonly signals: JobSignals,
    @Inject(EXECUTOR_OPTIONS) private readonly options: ExecutorOptions,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Optional() metrics?: ServiceMetrics,
    // keyed concurrency (settings.concurrency { limit, key }): absent, every claimed job is driven
    @Optional() private readonly gate?: FlowGate,
  ) {
    this.database = new OutageLog(logger, 'Postgres (job dispatcher)');
    this.metrics = metrics && ExecutorMetrics.of(metrics);
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.unsubscribe = this.signals.onJobQueued(() => this.nudge());
    this.unoffer = this.signals.onLeaseOffer((jobs) => this.offer(jobs));
    this.loops = [
      this.claimLoop(),
      this.every(this.options.leaseMs / 3, () => this.renew()),
      this.every(this.options.sweepIntervalMs, () => this.failOverdue()),
      this.every(this.options.sweepIntervalMs, () => this.sendAlerts()),
    ];
    this.logger.info({ workerId: this.options.workerId, leaseMs: this.options.leaseMs, maxActiveJobs: this.options.maxActiveJobs }, 'job dispatcher started');
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.unoffer?.();
    for (const done of [...this.sleepers]) done();
    await Promise.allSettled(this.loops);
    // drivers checkpoint the command in hand and stop; then the leases are handed back so another replica
    // takes the jobs at once instead of after `leaseMs` (a driver still mid-call loses its compare-and-set)
    await Promise.race([Promise.allSettled([...this.active.values()].map((run) => run.task)), new Promise((r) => setTimeout(r, SHUTDOWN_GRACE_MS))]);
    const released = await new JobRepository(this.dataSource.manager).releaseAll(this.options.workerId).catch((error: unknown) => {
      this.logger.error({ err: error }, 'handing back job leases failed; they run out by themselves');
      return 0;
    });
    this.metrics?.redriven('shutdown', released);
    this.logger.info({ released }, 'job dispatcher stopped');
  }

  get activeCount(): number {
    return this.active.size;
  }

  private nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  private async claimLoop(): Promise<void> {
    if (this.options.reclaimLeasesAtStart) await this.reclaimLeases();
    while (this.running) {
      this.nudged = false;
      let claimed: JobRow[] = [];
      const room = this.options.maxActiveJobs - this.active.size - this.reserved;
      if (room > 0) {
        try {
          claimed = await new JobRepository(this.dataSource.manager).claim(this.options.workerId, this.options.leaseMs, room);
          this.database.up();
        } catch (error) {
          if (isServerUnavailable(error)) this.database.down(error);
          else this.logger.error({ err: error }, 'claiming jobs failed');
        }
      }
      this.metrics?.claimed(claimed);
      this.drained = room > 0 && claimed.length < room;
      for (const job of claimed) this.run(job);
      if (claimed.length > 0 && claimed.length >= room) continue;
      if (!this.nudged) await this.sleep(this.options.pollIntervalMs);
    }
  }

  /**
   * Room for up to `jobs` new jobs that the trigger intake leases to this worker in the transaction
   * inserting them (#19: no claim round trip, no claim commit of their own). Offered only when the
   * last claim found the table drained, so a new job does not pass one that waits to be claimed; the
   * insert counts each recipe's leases under the claim lock, as `claim_jobs` does. The room stays
   * reserved until `done`.
   */
  private offer(jobs: number): LeaseOffer | undefined {
    if (!this.running || !this.drained) return undefined;
    const room = Math.min(jobs, this.options.maxActiveJobs - this.active.size - this.reserved);
    if (room <= 0) return undefined;
    this.reserved += room;
    let open = true;
    return {
      owner: this.options.workerId,
      leaseMs: this.options.leaseMs,
      room,
      done: (leased, durable) => {
        if (!open) return;
        open = false;
        this.reserved -= room;
        this.metrics?.claimed(leased);
        for (const job of leased) this.run(job, durable);
        if (leased.length < room) this.nudge();
      },
    };
  }

  /** Before the first claim: the leases a killed predecessor left are free now, not once they run out. */
  private async reclaimLeases(): Promise<void> {
    try {
      const released = await new JobRepository(this.dataSource.manager).releaseOthers(this.options.workerId);
      this.metrics?.redriven('restart', released);
      if (released > 0) this.logger.info({ released }, 'job leases of a previous process handed back; its jobs are re-driven now');
    } catch (error) {
      // not fatal: those jobs are re-driven once their leases run out
      this.logger.warn({ err: error }, 'handing back the leases of a previous process failed; its jobs wait for their leases to run out');
    }
  }

  /** `durable`: a job leased by an insert whose commit may not be flushed yet (see `admitted`). */
  private run(job: JobRow, durable?: () => Promise<void>): void {
    // a job re-claimed while an earlier, stuck driver of it lingers gets a run of its own: the
    // old driver's waits and its eventual end must not touch the new one
    const run: Run = { task: Promise.resolve(), waits: new Set(), lost: false };
    const lease: LeaseView = {
      holds: () => this.running && !run.lost && this.active.get(job.id) === run,
      awaiting: (what, until) => {
        const wait = { what, until };
        run.waits.add(wait);
        return () => run.waits.delete(wait);
      },
    };
    this.active.set(job.id, run);
    run.task = this.admitted(job, durable)
      .then((admitted) => (admitted ? this.driver.drive(job, lease) : undefined))
      .catch((error: unknown) => {
        if (isServerUnavailable(error)) this.database.down(error);
        else this.logger.error({ err: error, jobId: job.id }, 'job driver failed; the job is re-driven when its lease runs out');
      })
      .finally(() => {
        if (this.active.get(job.id) === run) this.active.delete(job.id);
        this.nudge();
      });
  }

  /**
   * A keyed recipe's job runs only in a free slot of its key; a refused one was handed back, delayed.
   * The flow-control rows name the job without a foreign key: a job leased by an insert not flushed
   * yet waits for that flush before it takes a slot, so no slot outlives a job a Postgres crash lost.
   */
  private async admitted(job: JobRow, durable?: () => Promise<void>): Promise<boolean> {
    if (!this.gate) return true;
    if (durable && (await this.gate.keyed(job))) await durable();
    return this.gate.admit(job);
  }

  private async renew(): Promise<void> {
    const renewing = new Map<string, Run>();
    const now = Date.now();
    for (const [id, run] of this.active) {
      // the latest deadline counts: one lane stuck beside others still answering is not a stuck job
      const latest = Math.max(...[...run.waits].map((w) => w.until));
      if (run.waits.size === 0 || now <= latest + this.options.stallGraceMs) {
        renewing.set(id, run);
        continue;
      }
      // not renewed: the lease runs out and the job is claimed again from its last checkpoint; the
      // slot is freed now, and the stuck driver sees `holds()` false if it ever wakes
      this.logger.warn(
        { jobId: id, waitingFor: [...run.waits].map((w) => w.what), overdueMs: now - latest },
        'job driver stuck past the deadline of what it waits for; its lease is left to run out and the job is re-driven',
      );
      run.lost = true;
      this.metrics?.redriven('stuck');
      this.active.delete(id);
      this.nudge();
    }
    const held = await new JobRepository(this.dataSource.manager).renew(this.options.workerId, [...renewing.keys()], this.options.leaseMs);
    for (const [id, run] of renewing) {
      if (held.has(id)) continue;
      run.lost = true;
      this.metrics?.redriven('taken');
    }
  }

  private async failOverdue(): Promise<void> {
    const ids = await new JobRepository(this.dataSource.manager).failOverdue(100, this.options.overdueGraceMs);
    this.metrics?.finished('timed_out', ids.length);
    if (ids.length > 0) this.logger.warn({ jobIds: ids }, 'jobs past their recipe timeout failed');
  }

  /**
   * Failures (a driver's, a timeout's) are committed first; their alerts follow in this sweep, so a
   * crash between the two only delays an alert, and each failure's alert is written once.
   */
  private async sendAlerts(): Promise<void> {
    const sent = await new AlertRepository(this.dataSource.manager).sendDue(100, DEFAULT_CONCURRENCY, newJobId);
    if (sent.length > 0) this.signals.jobQueued();
  }

  private async every(ms: number, work: () => Promise<void>): Promise<void> {
    while (this.running) {
      await this.sleep(ms, false);
      if (!this.running) return;
      await work().catch((error: unknown) => {
        if (isServerUnavailable(error)) this.database.down(error);
        else this.logger.error({ err: error }, 'executor maintenance round failed');
      });
    }
  }

  /** `nudgeable` sleeps end early on a queued job; every sleep ends at shutdown. */
  private sleep(ms: number, nudgeable = true): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
      if (nudgeable) this.wake = done;
    });
  }
}
