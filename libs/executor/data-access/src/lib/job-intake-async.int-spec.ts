import type { Pool as PgPool } from 'pg';
import type { DataSource } from 'typeorm';
import { ulid } from 'ulid';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { executorTestDatabase } from './testing/executor-test-database';
import { JobRepository, type NewEvent } from './job.repository';
import { WalDurability } from './wal-durability';

function event(recipeId: string, overrides: Partial<NewEvent> = {}): NewEvent {
  return {
    id: `job_${ulid()}`,
    workspaceId: 'ws_1',
    recipeId,
    dedupeKey: ulid(),
    triggerKind: 'webhook',
    defaultConcurrency: 100,
    trigger: { body: { n: 1 } },
    receivedAt: new Date(),
    ...overrides,
  };
}

/**
 * #19: trigger events' jobs committed asynchronously in one round trip, leased at once to the
 * worker within each recipe's concurrency, and the commit's flush awaited before the events' acks.
 */
describe('asynchronous intake with lease at insert (real Postgres)', () => {
  const db = executorTestDatabase(TEST_SERVERS.postgres, uniqueNamespace('exec_async_intake'));
  let ds: DataSource;
  let jobs: JobRepository;
  let pool: PgPool;

  beforeAll(async () => {
    ds = await db.connect();
    jobs = new JobRepository(ds.manager);
    pool = (ds.driver as unknown as { master: PgPool }).master;
    await ds.query(
      `INSERT INTO recipes (id, workspace_id, name, version, state, active_version) VALUES ('rcp_two', 'ws_1', 'two', 1, 'running', 1), ('rcp_many', 'ws_1', 'many', 1, 'running', 1)`,
    );
    await ds.query(
      `INSERT INTO recipe_versions (recipe_id, version, definition) VALUES ('rcp_two', 1, '{"settings": {"concurrency": 2}}'), ('rcp_many', 1, '{"settings": {"priority": 5}}')`,
    );
  });

  afterEach(() => ds.query('DELETE FROM jobs'));

  afterAll(async () => {
    await db.drop();
  });

  it('stores any payload written in as literals exactly, with one outcome per event', async () => {
    const nasty = { quote: "it's", backslash: 'a\\b', dollar: '$1 $12 $$', unicode: 'é ☃ \u{1F600}', nested: { array: ['"', "'", '{', '}', ','] } };
    const events = [event('rcp_many', { trigger: nasty, dedupeKey: 'o\'neil\\"}' }), event('rcp_many', { trigger: null }), event('rcp_gone')];
    const intake = await jobs.insertForEventsAsync([...events, { ...events[0], id: `job_${ulid()}` }]);
    expect(intake.outcomes).toEqual([{ outcome: 'created', version: 1 }, { outcome: 'created', version: 1 }, { outcome: 'no_recipe' }, { outcome: 'duplicate', version: 1 }]);
    expect(intake.leased).toEqual([]);
    await intake.durable(0);
    const [row] = (await ds.query(`SELECT trigger, dedupe_key, received_at, status FROM jobs WHERE id = $1`, [events[0].id])) as {
      trigger: unknown;
      dedupe_key: string;
      received_at: Date;
      status: string;
    }[];
    expect(row).toEqual({ trigger: nasty, dedupe_key: 'o\'neil\\"}', received_at: events[0].receivedAt, status: 'queued' });
  });

  it('leases new jobs to the worker as claim_jobs would: within the recipe concurrency and the room, counted against leases already held', async () => {
    // one job of rcp_two already running under a live lease elsewhere
    const [held] = (await jobs.insertForEventsAsync([event('rcp_two')])).outcomes;
    expect(held.outcome).toBe('created');
    expect(await jobs.claim('other', 10_000, 10)).toHaveLength(1);

    const batch = [event('rcp_two'), event('rcp_two'), event('rcp_many'), event('rcp_many'), event('rcp_many')];
    const intake = await jobs.insertForEventsAsync(batch, { owner: 'me', leaseMs: 10_000, room: 3 });
    // the room (3) goes to the highest priority first (rcp_many: 5), as claim_jobs orders
    expect(intake.leased.map((j) => j.id).sort()).toEqual([batch[2].id, batch[3].id, batch[4].id].sort());
    for (const j of intake.leased) {
      expect(j).toMatchObject({ status: 'running', leaseOwner: 'me', revision: 1 });
      expect(j.startedAt).toBeTruthy();
    }
    // rcp_two's older jobs wait for the claim: new ones are not leased past them, though a slot is free
    const more = [event('rcp_two')];
    expect((await jobs.insertForEventsAsync(more, { owner: 'me', leaseMs: 10_000, room: 10 })).leased).toEqual([]);
    // the claim takes the oldest into its one free slot (concurrency 2, one lease held elsewhere)
    // (batch[0] and batch[1] were made by one statement: the same created_at, either comes first)
    const claimed = (await jobs.claim('me', 10_000, 10)).map((j) => j.id);
    expect(claimed).toHaveLength(1);
    expect([batch[0].id, batch[1].id]).toContain(claimed[0]);
    const queued = (await ds.query(`SELECT id FROM jobs WHERE status = 'queued'`)) as { id: string }[];
    expect(queued.map((r) => r.id).sort()).toEqual([batch[0].id, batch[1].id, more[0].id].filter((id) => id !== claimed[0]).sort());
    // with nothing of the recipe waiting, a new job takes a free slot at once
    await ds.query(`DELETE FROM jobs WHERE status = 'queued'`);
    await ds.query(`UPDATE jobs SET status = 'succeeded', lease_owner = NULL, lease_until = NULL WHERE id = $1`, [claimed[0]]);
    const last = [event('rcp_two'), event('rcp_two')];
    const leased = (await jobs.insertForEventsAsync(last, { owner: 'me', leaseMs: 10_000, room: 10 })).leased.map((j) => j.id);
    // one slot free: one of the two (one statement, the same created_at) is leased, the other queued
    expect(leased).toHaveLength(1);
    expect([last[0].id, last[1].id]).toContain(leased[0]);
  });

  it('commits asynchronously, and resolves durable() on the next synchronous commit that wrote WAL, or on a barrier of its own', async () => {
    const durability = new WalDurability(pool);
    const intake = await jobs.insertForEventsAsync([event('rcp_many')]);
    // the insert's transaction ran with synchronous_commit off, and left the session as it was
    expect(((await ds.query(`SHOW synchronous_commit`)) as { synchronous_commit: string }[])[0].synchronous_commit).toBe('on');

    let flushed = false;
    const waiting = durability.flushed(60_000).then(() => (flushed = true));
    // a synchronous commit that wrote nothing flushes nothing: still waiting
    durability.covering()(false);
    await new Promise((r) => setTimeout(r, 50));
    expect(flushed).toBe(false);
    durability.covering()(true);
    await waiting;
    expect(flushed).toBe(true);

    // no other commit: a barrier of its own, after the wait
    const before = Date.now();
    await durability.flushed(100);
    expect(Date.now() - before).toBeGreaterThanOrEqual(90);
    await intake.durable(0);
  });
});
