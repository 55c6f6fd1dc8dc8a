import type { DataSource } from 'typeorm';
import { ulid } from 'ulid';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { executorTestDatabase } from './testing/executor-test-database';
import { FlowControlRepository } from './flow-control.repository';
import { JobRepository } from './job.repository';

/**
 * Per-key concurrency slots on the real Postgres, with two data sources standing for two executor
 * replicas (separate pools): the count and the grant are atomic per key across them.
 */
describe('flow control repository: keyed concurrency (real Postgres)', () => {
  const db = executorTestDatabase(TEST_SERVERS.postgres, uniqueNamespace('exec_flow'));
  let a: DataSource;
  let b: DataSource;

  const insertJobs = async (recipeId: string, customers: string[]) => {
    const ids: { id: string; key: string }[] = [];
    for (const key of customers) {
      const id = `job_${ulid()}`;
      await new JobRepository(a.manager).insertIfAbsent({
        id,
        workspaceId: 'ws_1',
        recipeId,
        recipeVersion: 1,
        dedupeKey: ulid(),
        triggerKind: 'webhook',
        concurrency: 1_000_000,
        trigger: { body: { customer: key } },
        receivedAt: new Date(),
      });
      ids.push({ id, key });
    }
    return ids;
  };

  beforeAll(async () => {
    a = await db.connect({ poolSize: 8 });
    b = await db.connect({ poolSize: 8 });
  });

  afterAll(async () => {
    await db.drop();
  });

  it('grants one slot per key when two replicas admit every claimed job at once; the rest are delayed, not dropped', async () => {
    const recipeId = `rcp_${ulid()}`;
    const jobs = await insertJobs(recipeId, ['acme', 'acme', 'acme', 'acme', 'globex', 'globex', 'globex', 'globex']);
    const claimedA = await new JobRepository(a.manager).claim('w_a', 30_000, 4);
    const claimedB = await new JobRepository(b.manager).claim('w_b', 30_000, 4);
    expect(claimedA.length + claimedB.length).toBe(8);
    const keyOf = new Map(jobs.map((j) => [j.id, j.key]));
    const asks = [...claimedA.map((j) => [a, 'w_a', j.id] as const), ...claimedB.map((j) => [b, 'w_b', j.id] as const)].map(([ds, owner, id]) =>
      new FlowControlRepository(ds.manager).admit({ jobId: id, recipeId, owner, concurrency: { key: keyOf.get(id) as string, limit: 1 } }, 60_000).then((ok) => [id, ok] as const),
    );
    const outcomes = await Promise.all(asks);
    const admitted = outcomes.filter(([, ok]) => ok).map(([id]) => keyOf.get(id));
    expect(admitted.sort()).toEqual(['acme', 'globex']);
    expect(await new FlowControlRepository(a.manager).held(recipeId, 'acme')).toBe(1);
    expect(await new FlowControlRepository(b.manager).held(recipeId, 'globex')).toBe(1);
    // the refused ones went back to the queue with a wake time: nothing claims them before it
    const refused = outcomes.filter(([, ok]) => !ok).map(([id]) => id);
    const rows = (await a.query(`SELECT status, lease_owner, wake_at > now() AS later, started_at FROM jobs WHERE id = ANY($1)`, [refused])) as {
      status: string;
      lease_owner: string | null;
      later: boolean;
      started_at: Date | null;
    }[];
    expect(rows).toHaveLength(6);
    for (const r of rows) expect(r).toEqual({ status: 'queued', lease_owner: null, later: true, started_at: null });
    expect(await new JobRepository(a.manager).claim('w_a', 30_000, 10)).toEqual([]);
  });

  it('a job whose lease another worker holds is neither admitted nor handed back by the first', async () => {
    const recipeId = `rcp_${ulid()}`;
    const [job] = await insertJobs(recipeId, ['acme']);
    await new JobRepository(a.manager).claim('w_a', 30_000, 1);
    expect(await new FlowControlRepository(b.manager).admit({ jobId: job.id, recipeId, owner: 'w_b', concurrency: { key: 'acme', limit: 1 } }, 1_000)).toBe(false);
    const [row] = (await a.query(`SELECT lease_owner, flow_admitted FROM jobs WHERE id = $1`, [job.id])) as { lease_owner: string; flow_admitted: boolean }[];
    expect(row).toEqual({ lease_owner: 'w_a', flow_admitted: false });
  });

  it('two replicas claiming, admitting and finishing in a loop never run more than the limit of one key at once, and finish every job', async () => {
    const recipeId = `rcp_${ulid()}`;
    const limits: Record<string, number> = { acme: 1, globex: 2 };
    const jobs = await insertJobs(recipeId, [...Array(8).fill('acme'), ...Array(8).fill('globex')] as string[]);
    const keyOf = new Map(jobs.map((j) => [j.id, j.key]));
    const running: Record<string, number> = { acme: 0, globex: 0 };
    const peak: Record<string, number> = { acme: 0, globex: 0 };
    let finished = 0;
    const replica = async (ds: DataSource, owner: string) => {
      const deadline = Date.now() + 30_000;
      while (finished < jobs.length && Date.now() < deadline) {
        const claimed = await new JobRepository(ds.manager).claim(owner, 30_000, 3);
        await Promise.all(
          claimed.map(async (job) => {
            const key = keyOf.get(job.id) as string;
            if (!(await new FlowControlRepository(ds.manager).admit({ jobId: job.id, recipeId, owner, concurrency: { key, limit: limits[key] } }, 20))) return;
            running[key] += 1;
            peak[key] = Math.max(peak[key], running[key]);
            await new Promise((r) => setTimeout(r, 40));
            running[key] -= 1;
            await ds.query(`UPDATE jobs SET status = 'succeeded', lease_owner = NULL, lease_until = NULL, finished_at = now() WHERE id = $1`, [job.id]);
            finished += 1;
          }),
        );
        if (claimed.length === 0) await new Promise((r) => setTimeout(r, 10));
      }
    };
    await Promise.all([replica(a, 'w_a'), replica(b, 'w_b')]);
    expect(finished).toBe(jobs.length);
    expect(peak).toEqual({ acme: 1, globex: 2 });
  }, 40_000);
});

describe('flow control repository: throttle (real Postgres)', () => {
  const db = executorTestDatabase(TEST_SERVERS.postgres, uniqueNamespace('exec_throttle'));
  let a: DataSource;
  let b: DataSource;

  beforeAll(async () => {
    a = await db.connect({ poolSize: 8 });
    b = await db.connect({ poolSize: 8 });
  });

  afterAll(async () => {
    await db.drop();
  });

  it('two replicas start at most `limit` jobs of a key per period (any window), keep the rate within 10%, and start every job', async () => {
    const recipeId = `rcp_${ulid()}`;
    const limit = 4;
    const periodMs = 1_000;
    const keyOf = new Map<string, string>();
    for (const key of [...Array(12).fill('acme'), ...Array(12).fill('globex')] as string[]) {
      const id = `job_${ulid()}`;
      await new JobRepository(a.manager).insertIfAbsent({
        id,
        workspaceId: 'ws_1',
        recipeId,
        recipeVersion: 1,
        dedupeKey: ulid(),
        triggerKind: 'webhook',
        concurrency: 1_000_000,
        trigger: {},
        receivedAt: new Date(),
      });
      keyOf.set(id, key);
    }
    const starts: Record<string, number[]> = { acme: [], globex: [] };
    let started = 0;
    const replica = async (ds: DataSource, owner: string) => {
      const deadline = Date.now() + 20_000;
      while (started < keyOf.size && Date.now() < deadline) {
        const claimed = await new JobRepository(ds.manager).claim(owner, 30_000, 4);
        for (const job of claimed) {
          const key = keyOf.get(job.id) as string;
          if (!(await new FlowControlRepository(ds.manager).admit({ jobId: job.id, recipeId, owner, throttle: { key, limit, periodMs } }, 20))) continue;
          started += 1;
          await ds.query(`UPDATE jobs SET status = 'succeeded', lease_owner = NULL, lease_until = NULL WHERE id = $1`, [job.id]);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await Promise.all([replica(a, 'w_a'), replica(b, 'w_b')]);
    expect(started).toBe(keyOf.size);
    // the grant times as Postgres stamped them (one clock), not when each replica's admit call
    // returned: under load a returning promise can run late by more than the slack below
    const granted = (await a.query(`SELECT id, (extract(epoch FROM throttle_passed_at) * 1000)::float8 AS t FROM jobs WHERE recipe_id = $1`, [recipeId])) as {
      id: string;
      t: number | null;
    }[];
    for (const g of granted) if (g.t !== null) starts[keyOf.get(g.id) as string].push(g.t);
    expect(starts.acme.length + starts.globex.length).toBe(keyOf.size);
    for (const key of ['acme', 'globex']) {
      const times = starts[key].sort((x, y) => x - y);
      // no window of one period holds more than `limit` starts (a few ms of slack for rounding; one Postgres clock)
      for (let i = limit; i < times.length; i++) expect(times[i] - times[i - limit]).toBeGreaterThanOrEqual(periodMs - 15);
      // 12 starts at 4 per second: the first 4 at once, the last 4 two periods later, so 12 / (2 s + one period) = 4 per second
      const rate = (times.length / (times[times.length - 1] - times[0] + periodMs)) * 1000;
      expect(Math.abs(rate - limit) / limit).toBeLessThanOrEqual(0.1);
    }
  }, 30_000);
});

describe('flow control repository: debounce (real Postgres)', () => {
  const db = executorTestDatabase(TEST_SERVERS.postgres, uniqueNamespace('exec_debounce'));
  let a: DataSource;
  let b: DataSource;

  beforeAll(async () => {
    a = await db.connect({ poolSize: 8 });
    b = await db.connect({ poolSize: 8 });
  });

  afterAll(async () => {
    await db.drop();
  });

  /** Events arrive every `gapMs` while two replicas claim and admit; returns the sequence numbers of the jobs that started. */
  const burst = async (recipeId: string, count: number, gapMs: number, debounce: { periodMs: number; maxWaitMs?: number }) => {
    const seqOf = new Map<string, number>();
    const startedSeqs: number[] = [];
    let producing = true;
    const produce = async () => {
      for (let seq = 1; seq <= count; seq++) {
        const id = `job_${ulid()}`;
        seqOf.set(id, seq);
        await new JobRepository(a.manager).insertIfAbsent({
          id,
          workspaceId: 'ws_1',
          recipeId,
          recipeVersion: 1,
          dedupeKey: ulid(),
          triggerKind: 'webhook',
          concurrency: 1_000_000,
          trigger: { body: { seq } },
          receivedAt: new Date(),
        });
        await new Promise((r) => setTimeout(r, gapMs));
      }
      producing = false;
    };
    const replica = async (ds: DataSource, owner: string) => {
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const claimed = await new JobRepository(ds.manager).claim(owner, 30_000, 10);
        for (const job of claimed) {
          if (!(await new FlowControlRepository(ds.manager).admit({ jobId: job.id, recipeId, owner, debounce: { key: 'order-1', ...debounce } }, 20))) continue;
          startedSeqs.push(seqOf.get(job.id) as number);
          await ds.query(`UPDATE jobs SET status = 'succeeded', lease_owner = NULL, lease_until = NULL WHERE id = $1`, [job.id]);
        }
        const [open] = (await ds.query(`SELECT count(*)::int AS n FROM jobs WHERE recipe_id = $1 AND status IN ('queued', 'running')`, [recipeId])) as { n: number }[];
        if (!producing && open.n === 0) return;
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await Promise.all([produce(), replica(a, 'w_a'), replica(b, 'w_b')]);
    const [cancelled] = (await a.query(`SELECT count(*)::int AS n FROM jobs WHERE recipe_id = $1 AND status = 'cancelled' AND error->>'kind' = 'debounced'`, [recipeId])) as {
      n: number;
    }[];
    return { startedSeqs, cancelled: cancelled.n };
  };

  it('turns a burst of 50 events of one key into one job, the last, once the key was quiet; the others are cancelled as replaced', async () => {
    const { startedSeqs, cancelled } = await burst(`rcp_${ulid()}`, 50, 5, { periodMs: 400 });
    expect(startedSeqs).toEqual([50]);
    expect(cancelled).toBe(49);
  }, 30_000);

  it('starts the newest job at most maxWait after the burst began, even while events keep coming', async () => {
    const { startedSeqs, cancelled } = await burst(`rcp_${ulid()}`, 30, 50, { periodMs: 400, maxWaitMs: 500 });
    // 30 events over ~1.5 s (and more under load) with maxWait 0.5 s: more than one start, the last event among them
    expect(startedSeqs.length).toBeGreaterThanOrEqual(2);
    expect(startedSeqs[startedSeqs.length - 1]).toBe(30);
    expect(startedSeqs).toEqual([...startedSeqs].sort((x, y) => x - y));
    expect(startedSeqs.length + cancelled).toBe(30);
  }, 30_000);
});
