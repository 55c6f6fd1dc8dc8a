import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { JobWaitRepository, type Delivery, type WaitEventInput, type WaitOutcome } from '@junction/executor/data-access';
import type { Command, StepResult } from '@junction/executor/domain';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { isServerUnavailable } from '@junction/platform/ports';
import { EXECUTOR_OPTIONS, type ExecutorOptions } from './executor.options';
import { JobSignals } from './job-signals';

type AwaitCommand = Extract<Command, { type: 'await' }>;

/**
 * Jobs waiting for the outside world (`waitFor`, and `approval` through the reserved event
 * `$approval`): rows in Postgres, not timers, so thousands of waiting jobs cost no memory here and
 * survive restarts. An `await` command registers the job's wait and, while nothing resolves it,
 * gives the job's lease up with `wake_at` at the timeout; `deliver` stores an event and sets
 * `wake_at` to now for every job waiting on its (workspace, name, key), which the ordinary claim
 * (`claim_jobs`, in cluster and standalone mode alike) picks up. The woken job's `await` finds its
 * wait resolved and resumes with the event. See docs/decisions.md, "waitFor".
 */
@Injectable()
export class JobWaits implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly repository: JobWaitRepository;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    private readonly signals: JobSignals,
    @Inject(EXECUTOR_OPTIONS) private readonly options: ExecutorOptions,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.repository = new JobWaitRepository(dataSource);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), Math.max(this.options.sweepIntervalMs, 1_000));
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * Stores the event (idempotent per workspace by `id`: a repeat is `duplicate`, resumes nothing)
   * and wakes every job waiting on (workspace, name, key). Names starting with `$` are accepted
   * here: they are the platform's own (POST /v1/events refuses them).
   */
  async deliver(workspaceId: string, event: WaitEventInput): Promise<Delivery> {
    const outcome = await this.repository.deliver(workspaceId, event, { ttlMs: this.options.eventBufferTtlMs, perKey: this.options.eventBufferPerKey });
    if (outcome.resumed > 0) this.signals.jobQueued();
    return { accepted: outcome.accepted, duplicate: outcome.duplicate, resumed: outcome.resumed };
  }

  /**
   * `write` and the delivery of the event it yields commit in one transaction (an approval's
   * decision and its `$approval` event), so no crash leaves the one without the other. Returns
   * `write`'s value, undefined when it yielded nothing (then nothing was delivered).
   */
  async deliverWith<T>(write: (em: EntityManager) => Promise<{ value: T; workspaceId: string; event: WaitEventInput } | undefined>): Promise<T | undefined> {
    const outcome = await this.dataSource.transaction(async (em) => {
      const written = await write(em);
      if (!written) return undefined;
      const delivery = await this.repository.deliverIn(em, written.workspaceId, written.event, { ttlMs: this.options.eventBufferTtlMs, perKey: this.options.eventBufferPerKey });
      return { value: written.value, resumed: delivery.resumed };
    });
    if (outcome && outcome.resumed > 0) this.signals.jobQueued();
    return outcome?.value;
  }

  /**
   * Runs an `await` command of a job this worker holds at `revision`: the step's result when an
   * event (or the timeout) resolved the wait, else `parked` (the job gave its lease up in the same
   * transaction and sleeps until woken) or `lost` (the job changed meanwhile: another writer owns it).
   */
  async await(
    job: { id: string; workspaceId: string },
    command: AwaitCommand,
    lease: { owner: string; revision: number },
  ): Promise<{ result: StepResult } | { parked: number } | { lost: true }> {
    const outcome: WaitOutcome = await this.repository.register(
      { jobId: job.id, workspaceId: job.workspaceId, stepKey: command.stepKey, event: command.event, until: command.until },
      lease,
    );
    if (outcome.status === 'event') return { result: { ok: true, stepKey: command.stepKey, output: outcome.output } };
    if (outcome.status === 'timeout') {
      const message = `no event "${command.event.name}" with key ${JSON.stringify(command.event.key)} arrived before ${new Date(command.until).toISOString()}`;
      return { result: { ok: false, stepKey: command.stepKey, error: { kind: 'timeout', message } } };
    }
    return outcome.parked === undefined ? { lost: true } : { parked: outcome.parked };
  }

  /** A cancelled job's waits go at once (the sweep would take them later). */
  forget(jobId: string): Promise<void> {
    return this.repository.forget(jobId);
  }

  private async sweep(): Promise<void> {
    try {
      const removed = await this.repository.sweep();
      if (removed.events + removed.waits > 0) this.logger.debug(removed, 'expired events and waits of ended jobs removed');
    } catch (error) {
      if (!isServerUnavailable(error)) this.logger.warn({ err: error }, 'sweeping waits and buffered events failed');
    }
  }
}
