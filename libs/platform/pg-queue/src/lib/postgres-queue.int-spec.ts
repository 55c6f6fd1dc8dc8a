import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Pool } from 'pg';
import pino from 'pino';
import { dropDatabase } from '@junction/platform/database';
import { defineEvent, type Closable } from '@junction/platform/ports';
import { TEST_SERVERS, uniqueNamespace, waitFor } from '@junction/shared/testing';
import { PostgresQueue } from './postgres-queue';
import { createQueueDatabase, endPool } from './testing/queue-database';
import { CRASH_DURABLE, WorkItem, WorkQueued, WorkStream } from './testing/work.contract';

// What only the Postgres adapter has to show: survival of a killed process, a table that stays small, restarts.
// The port's behaviour itself is in durable-queue.contract.int-spec.ts.

const workspaceRoot = join(__dirname, '../../../../..');
const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PostgresQueue (real Postgres)', () => {
  const databases: string[] = [];
  const cleanup: (() => Promise<void>)[] = [];

  async function freshQueue(): Promise<{ url: string; pool: Pool; queue: PostgresQueue }> {
    const name = uniqueNamespace('pgq');
    databases.push(name);
    const url = await createQueueDatabase(TEST_SERVERS.postgres, name);
    return { url, ...open(url) };
  }

  function open(url: string): { pool: Pool; queue: PostgresQueue } {
    const pool = new Pool({ connectionString: url, max: 4 });
    const queue = new PostgresQueue(pool, { logger: silent, pollIntervalMs: 50 });
    cleanup.push(async () => {
      await queue.close();
      await endPool(pool);
    });
    return { pool, queue };
  }

  const count = async (pool: Pool, table: string) => (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;

  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    for (const name of databases) await dropDatabase(TEST_SERVERS.postgres, name);
  });

  it('after a process is killed mid-handling, a restart delivers again exactly what was published and not acknowledged, as second deliveries', async () => {
    const name = uniqueNamespace('pgq');
    databases.push(name);
    const url = await createQueueDatabase(TEST_SERVERS.postgres, name);
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'testing/crash-child.ts'), url], { cwd: workspaceRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));

    const probe = new Pool({ connectionString: url, max: 1 });
    try {
      // all ten stored, 5..9 in the handler's hands, 0..4 acknowledged (their rows gone)
      await waitFor(
        async () =>
          output.includes('published 9') &&
          [5, 6, 7, 8, 9].every((n) => output.includes(`holding ${n}`)) &&
          (await count(probe, 'queue_delivery')) === 5 &&
          (await probe.query<{ n: number }>('SELECT count(*)::int AS n FROM queue_delivery WHERE deliveries = 1')).rows[0].n === 5,
        20_000,
      );
      child.kill('SIGKILL');
      await exited;
    } finally {
      process.removeListener('exit', killOnExit);
      await endPool(probe);
    }

    const { queue } = open(url);
    const received: number[] = [];
    const counts: number[] = [];
    const consumer = await queue.consume(
      WorkQueued,
      async ({ n }, meta) => {
        received.push(n);
        counts.push(meta.deliveryCount);
      },
      { durable: CRASH_DURABLE, concurrency: 4 },
    );
    cleanup.push(() => consumer.close());
    await waitFor(() => received.length >= 5, 20_000);
    await sleep(500);
    expect(received.sort((a, b) => a - b)).toEqual([5, 6, 7, 8, 9]);
    // the dead process's deliveries count, as JetStream's would
    expect(counts).toEqual([2, 2, 2, 2, 2]);
    await waitFor(async () => (await queue.backlog(WorkQueued, CRASH_DURABLE)) === 0, 5000);
  }, 60_000);

  it('deletes a message once every durable of its stream acknowledged it, and keeps one no durable has taken yet', async () => {
    const { pool, queue } = await freshQueue();
    const Other = defineEvent('work.item.skipped.v1', WorkItem, WorkStream);
    const open: Closable[] = [];
    let handled = 0;
    for (const durable of ['first', 'second']) open.push(await queue.consume(WorkQueued, async () => void handled++, { durable, concurrency: 16 }));
    for (let n = 0; n < 300; n++) await queue.publish(WorkQueued, { n });
    await queue.publish(Other, { n: -1 });
    await waitFor(() => handled >= 600, 20_000);
    await waitFor(async () => (await count(pool, 'queue_message')) === 1 && (await count(pool, 'queue_delivery')) === 0, 5000);
    expect(await queue.backlog(Other, 'later')).toBe(1);
    await Promise.all(open.map((c) => c.close()));

    // a durable created later starts with what is still stored (JetStream's deliver-all)
    const late: number[] = [];
    open.push(await queue.consume(Other, async ({ n }) => void late.push(n), { durable: 'later' }));
    await waitFor(() => late.length >= 1);
    expect(late).toEqual([-1]);
    await waitFor(async () => (await count(pool, 'queue_message')) === 0, 5000);
    await Promise.all(open.map((c) => c.close()));
  });

  it('keeps a retried message’s delivery count and due time across a restart of the queue', async () => {
    const { url, queue } = await freshQueue();
    const first: { at: number; count: number }[] = [];
    const consumer = await queue.consume(
      WorkQueued,
      async (_p, meta) => {
        first.push({ at: Date.now(), count: meta.deliveryCount });
        return { action: 'retry', delayMs: 1500 };
      },
      { durable: 'patient' },
    );
    await queue.publish(WorkQueued, { n: 1 });
    await waitFor(() => first.length >= 1);
    await consumer.close();
    await queue.close();

    const again = open(url).queue;
    const second: { at: number; count: number }[] = [];
    const reopened = await again.consume(WorkQueued, async (_p, meta) => void second.push({ at: Date.now(), count: meta.deliveryCount }), { durable: 'patient' });
    cleanup.push(() => reopened.close());
    await waitFor(() => second.length >= 1, 5000);
    expect(second[0].count).toBe(2);
    expect(second[0].at - first[0].at).toBeGreaterThanOrEqual(1400);
  });

  it('answers a msgId published again after the window as a new message', async () => {
    const { queue } = await freshQueue();
    const Short = defineEvent('work.item.deduped.v1', WorkItem, { ...WorkStream, name: 'SHORT', subjects: ['work.item.>'], duplicateWindowMs: 300 });
    const a = await queue.publish(Short, { n: 1 }, { msgId: 'same' });
    const b = await queue.publish(Short, { n: 1 }, { msgId: 'same' });
    await sleep(500);
    const c = await queue.publish(Short, { n: 1 }, { msgId: 'same' });
    expect([a.duplicate, b.duplicate, c.duplicate]).toEqual([false, true, false]);
    expect(b.sequence).toBe(a.sequence);
    expect(c.sequence).toBeGreaterThan(a.sequence);
  });
});
