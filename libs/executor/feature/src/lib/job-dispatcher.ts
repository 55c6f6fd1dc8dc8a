import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { JobRepository, type JobRow } from '@junction/executor/data-access';
import { OutageLog, ROOT_LOGGER } from '@junction/platform/logging';
import { isServerUnavailable } from '@junction/platform/ports';
import { EXECUTOR_OPTIONS, type ExecutorOptions } from './executor.options';
import { JobDriver, type LeaseView } from './job-driver';
import { JobSignals } from './job-signals';

const SHUTDOWN_GRACE_MS = 5_000;

/**
 * Each replica: claims runnable jobs (new, re-run, woken, or orphaned by a dead worker whose
 * lease ran out) up to `maxActiveJobs`, drives them, renews their leases, and fails jobs past
 * their recipe timeout. Claims serialise on an advisory lock and skip locked rows, so any number
 * of replicas share the table; a lost lease stops the local driver at its next checkpoint.
 */
@Injectable()
export class JobDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown, LeaseView {
  private readonly active = new Map<string, Promise<void>>();
  private readonly lost = new Set<string>();
  private running = false;
  private wake?: () => void;
  private nudged = false;
  private loops: Promise<void>[] = [];
  private unsubscribe?: () => void;
  private readonly sleepers = new Set<() => void>();
  // Postgres away: one line when it goes and one when it is back, not one per poll and per job
  private readonly database: OutageLog;

  constructor(
    private readonly dataSource: DataSource,
    private readonly driver: JobDriver,
    private readonly signals: JobSignals,
    @Inject(EXECUTOR_OPTIONS) private readonly options: ExecutorOptions,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.database = new OutageLog(logger, 'Postgres (job dispatcher)');
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.unsubscribe = this.signals.onJobQueued(() => this.nudge());
    this.loops = [this.claimLoop(), this.every(this.options.leaseMs / 3, () => this.renew()), this.every(this.options.sweepIntervalMs, () => this.failOverdue())];
    this.logger.info({ workerId: this.options.workerId, leaseMs: this.options.leaseMs, maxActiveJobs: this.options.maxActiveJobs }, 'job dispatcher started');
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    for (const done of [...this.sleepers]) done();
    await Promise.allSettled(this.loops);
    // drivers checkpoint the command in hand and stop; then the leases are handed back so another replica
    // takes the jobs at once instead of after `leaseMs` (a driver still mid-call loses its compare-and-set)
    await Promise.race([Promise.allSettled([...this.active.values()]), new Promise((r) => setTimeout(r, SHUTDOWN_GRACE_MS))]);
    const released = await new JobRepository(this.dataSource.manager).releaseAll(this.options.workerId).catch((error: unknown) => {
      this.logger.error({ err: error }, 'handing back job leases failed; they run out by themselves');
      return 0;
    });
    this.logger.info({ released }, 'job dispatcher stopped');
  }

  holds(jobId: string): boolean {
    return this.running && this.active.has(jobId) && !this.lost.has(jobId);
  }

  get activeCount(): number {
    return this.active.size;
  }

  private nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  private async claimLoop(): Promise<void> {
    while (this.running) {
      this.nudged = false;
      let claimed: JobRow[] = [];
      const room = this.options.maxActiveJobs - this.active.size;
      if (room > 0) {
        try {
          claimed = await new JobRepository(this.dataSource.manager).claim(this.options.workerId, this.options.leaseMs, room);
          this.database.up();
        } catch (error) {
          if (isServerUnavailable(error)) this.database.down(error);
          else this.logger.error({ err: error }, 'claiming jobs failed');
        }
      }
      for (const job of claimed) this.run(job);
      if (claimed.length > 0 && claimed.length >= room) continue;
      if (!this.nudged) await this.sleep(this.options.pollIntervalMs);
    }
  }

  private run(job: JobRow): void {
    this.lost.delete(job.id);
    const task = this.driver
      .drive(job, this)
      .catch((error: unknown) => {
        if (isServerUnavailable(error)) this.database.down(error);
        else this.logger.error({ err: error, jobId: job.id }, 'job driver failed; the job is re-driven when its lease runs out');
      })
      .finally(() => {
        this.active.delete(job.id);
        this.lost.delete(job.id);
        this.nudge();
      });
    this.active.set(job.id, task);
  }

  private async renew(): Promise<void> {
    const ids = [...this.active.keys()];
    const held = await new JobRepository(this.dataSource.manager).renew(this.options.workerId, ids, this.options.leaseMs);
    for (const id of ids) if (!held.has(id) && this.active.has(id)) this.lost.add(id);
  }

  private async failOverdue(): Promise<void> {
    const ids = await new JobRepository(this.dataSource.manager).failOverdue(100, this.options.overdueGraceMs);
    if (ids.length > 0) this.logger.warn({ jobIds: ids }, 'jobs past their recipe timeout failed');
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
