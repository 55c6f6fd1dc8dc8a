import { connect, type NatsConnection } from 'nats';
import pino, { type Logger } from 'pino';
import { DataSource } from 'typeorm';
import { ServiceMetrics } from '@junction/platform/metrics';
import { JetStreamQueue, NatsMessageBus } from '@junction/platform/nats';
import { Namespace } from '@junction/platform/ports';
import { SnakeNamingStrategy, databaseUrl, ensureDatabase } from '@junction/platform/database';
import { SCHEDULER_ENTITIES, SCHEDULER_MIGRATIONS } from '@junction/scheduler/data-access';
import { systemClock, type Clock } from '@junction/scheduler/domain';
import { FiringLoop } from '../firing-loop';
import { PollRunner } from '../poll-runner';
import { ScheduleService } from '../schedule.service';
import { schedulerOptions, type SchedulerOptions } from '../scheduler.options';
import { TickFiring } from '../tick-firing';
import { TimerFiring } from '../timer-firing';
import { TimerService } from '../timer.service';

export interface ReplicaConfig {
  /** Postgres server URL (a TcpProxy's, to cut this replica off). */
  postgresUrl: string;
  database: string;
  natsUrl: string;
  namespace: string;
  options?: Partial<SchedulerOptions>;
  clock?: Clock;
  poolSize?: number;
  logger?: Logger;
}

/**
 * One scheduler replica built by hand, without Nest: its own connection pool and NATS
 * connection, the same firing classes the service runs. Integration tests start two of these
 * against one database to prove claims, takeover and dedupe.
 */
export class SchedulerReplica {
  readonly timerFiring: TimerFiring;
  readonly tickFiring: TickFiring;
  readonly pollRunner: PollRunner;
  readonly loop: FiringLoop;
  readonly schedules: ScheduleService;
  readonly timers: TimerService;

  private constructor(
    readonly dataSource: DataSource,
    readonly nc: NatsConnection,
    readonly queue: JetStreamQueue,
    readonly bus: NatsMessageBus,
    readonly options: SchedulerOptions,
    clock: Clock,
    logger: Logger,
  ) {
    this.timerFiring = new TimerFiring(dataSource, queue, clock, options);
    this.tickFiring = new TickFiring(dataSource, queue, clock, options, logger);
    this.pollRunner = new PollRunner(dataSource, queue, bus, clock, options, logger);
    this.loop = new FiringLoop(this.timerFiring, this.tickFiring, this.pollRunner, queue, options, logger);
    this.schedules = new ScheduleService(dataSource, clock);
    this.timers = new TimerService(dataSource);
  }

  static async start(config: ReplicaConfig): Promise<SchedulerReplica> {
    await ensureDatabase(config.postgresUrl, config.database);
    const dataSource = await new DataSource({
      type: 'postgres',
      url: databaseUrl(config.postgresUrl, config.database),
      entities: SCHEDULER_ENTITIES,
      migrations: SCHEDULER_MIGRATIONS,
      migrationsRun: true,
      migrationsTableName: 'schema_migrations',
      migrationsTransactionMode: 'each',
      namingStrategy: new SnakeNamingStrategy(),
      extra: { max: config.poolSize ?? 5, connectionTimeoutMillis: 5000 },
    }).initialize();
    const logger = config.logger ?? pino({ level: 'silent' });
    const metrics = new ServiceMetrics('scheduler');
    const ns = new Namespace(config.namespace);
    const nc = await connect({ servers: config.natsUrl });
    const queue = new JetStreamQueue(nc, await nc.jetstreamManager(), nc.jetstream(), ns, logger, metrics, 1);
    const bus = new NatsMessageBus(nc, ns, logger, metrics, 5000);
    return new SchedulerReplica(dataSource, nc, queue, bus, schedulerOptions(config.options), config.clock ?? systemClock, logger);
  }

  async close(): Promise<void> {
    await this.loop.stop();
    if (!this.nc.isClosed()) await this.nc.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy().catch(() => undefined);
  }
}
