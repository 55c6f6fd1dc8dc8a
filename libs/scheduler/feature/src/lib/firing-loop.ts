import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { DURABLE_QUEUE, type DurableQueue } from '@junction/platform/ports';
import { SchedulerStream } from '@junction/scheduler/contracts';
import { PollRunner } from './poll-runner';
import { SCHEDULER_OPTIONS, type SchedulerOptions } from './scheduler.options';
import { TickFiring } from './tick-firing';
import { TimerFiring } from './timer-firing';

/**
 * Three loops per replica (timers, ticks, polls). Each round claims due rows with
 * FOR UPDATE SKIP LOCKED, so any number of replicas share the work without firing a row twice;
 * a round that found a full batch runs again at once, otherwise the loop sleeps one interval.
 */
@Injectable()
export class FiringLoop implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly timers: TimerFiring,
    private readonly ticks: TickFiring,
    private readonly polls: PollRunner,
    @Inject(DURABLE_QUEUE) private readonly queue: DurableQueue,
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.queue.ensureStream(SchedulerStream);
    this.running = true;
    const batch = this.options.batchSize;
    this.loops = [
      this.loop('timers', async () => (await this.timers.fireDue()) >= batch),
      this.loop('ticks', async () => (await this.ticks.fireDue()) >= batch),
      ...Array.from({ length: this.options.pollConcurrency }, () => this.loop('polls', async () => (await this.polls.pollOne()) !== undefined)),
    ];
    this.logger.info({ replicaId: this.options.replicaId, pollIntervalMs: this.options.pollIntervalMs }, 'scheduler firing loops started');
  }

  /** Lets the rounds in progress finish (their transactions commit), then stops. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const wake of this.sleepers) wake();
    await Promise.allSettled(this.loops);
    this.loops = [];
  }

  /** `round` answers whether more work is waiting right now. */
  private async loop(name: string, round: () => Promise<boolean>): Promise<void> {
    while (this.running) {
      let more = false;
      try {
        more = await round();
      } catch (error) {
        // Postgres or NATS unavailable: the claims rolled back; try again next interval
        this.logger.warn({ err: error, loop: name }, 'scheduler round failed');
      }
      if (!more && this.running) await this.sleep(this.options.pollIntervalMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }
}
