import { Pool } from 'pg';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { SnakeNamingStrategy } from '@junction/platform/database';
import { PostgresQueue, pgQueueMigrations } from '@junction/platform/pg-queue';
import type { Closable } from '@junction/platform/ports';
import { SchedulerStream, TickFired, type TickFiredPayload } from '@junction/scheduler/contracts';
import { SCHEDULER_ENTITIES, SCHEDULER_MIGRATIONS } from '@junction/scheduler/data-access';
import { ManualClock, aRecipeId, aWorkspaceId, waitFor } from '@junction/shared/testing';
import { withEmbeddedTestDatabase } from '@junction/shared/testing/in-process';
import { ScheduleService } from './schedule.service';
import { schedulerOptions } from './scheduler.options';
import { TickFiring } from './tick-firing';

/*
 * Cron firing with no server: the scheduler's own migrations and the standalone queue on this
 * file's embedded Postgres, and a ManualClock standing in for time (ticks.int-spec.ts runs the
 * same path on the cluster's Postgres and JetStream, with two replicas).
 */
describe('TickFiring on an embedded database, driven by a manual clock', () => {
  const logger = pino({ level: 'silent' });
  const clock = new ManualClock('2026-03-07T12:00:00Z');
  const fired: TickFiredPayload[] = [];
  let dataSource: DataSource;
  let pool: Pool;
  let queue: PostgresQueue;
  let consumer: Closable;
  let schedules: ScheduleService;
  let ticks: TickFiring;

  // before the database's own hooks: jest runs afterAll hooks in the order declared
  afterAll(async () => {
    await consumer?.close();
    await queue?.close();
    await pool?.end();
    await dataSource?.destroy();
  });
  const db = withEmbeddedTestDatabase();

  beforeAll(async () => {
    const url = await db.freshDatabase('scheduler');
    dataSource = await new DataSource({
      type: 'postgres',
      url,
      entities: SCHEDULER_ENTITIES,
      migrations: [...SCHEDULER_MIGRATIONS, ...pgQueueMigrations],
      migrationsRun: true,
      migrationsTableName: 'schema_migrations',
      namingStrategy: new SnakeNamingStrategy(),
    }).initialize();
    pool = new Pool({ connectionString: url, max: 4 });
    queue = new PostgresQueue(pool, { logger, pollIntervalMs: 50 });
    await queue.ensureStream(SchedulerStream);
    consumer = await queue.consume(TickFired, async (tick) => void fired.push(tick), { durable: 'tick-spec' });
    schedules = new ScheduleService(dataSource, clock);
    ticks = new TickFiring(dataSource, queue, clock, schedulerOptions({ misfireGraceMs: 60_000 }), logger);
  });

  it('fires nothing early, each tick once when due, and skips the ticks missed while down (the default policy)', async () => {
    const workspaceId = aWorkspaceId();
    const recipeId = aRecipeId();
    const view = await schedules.upsert({ workspaceId, recipeId, kind: 'tick', cron: { expression: '*/15 * * * *', timezone: 'UTC' } });
    expect(view.nextFireAt).toBe('2026-03-07T12:15:00.000Z');

    clock.set('2026-03-07T12:14:59.999Z');
    expect(await ticks.fireDue()).toBe(0);

    clock.advance(1);
    expect(await ticks.fireDue()).toBe(1);
    expect(await ticks.fireDue()).toBe(0); // advanced in the same transaction: not claimed twice
    await waitFor(() => fired.length === 1);
    expect(fired[0]).toMatchObject({ workspaceId, recipeId, scheduledAt: '2026-03-07T12:15:00.000Z', firedAt: '2026-03-07T12:15:00.000Z' });

    clock.set('2026-03-07T13:07:00Z'); // down since 12:15: 12:30 … 13:00 missed, beyond the grace period
    expect(await ticks.fireDue()).toBe(1); // claimed, recorded as a misfire, nothing fired late
    const after = await schedules.get({ workspaceId, recipeId });
    expect(after.lastMisfire).toEqual({ at: '2026-03-07T13:07:00.000Z', skipped: 3, caughtUp: 0 });
    expect(after.nextFireAt).toBe('2026-03-07T13:15:00.000Z');

    clock.set('2026-03-07T13:15:00.200Z');
    expect(await ticks.fireDue()).toBe(1);
    await waitFor(() => fired.length === 2);
    expect(fired.map((t) => t.scheduledAt)).toEqual(['2026-03-07T12:15:00.000Z', '2026-03-07T13:15:00.000Z']);
  });
});
