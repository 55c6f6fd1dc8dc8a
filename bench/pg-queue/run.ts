/**
 * The standalone durable queue (PostgresQueue) on this machine's Postgres: publish → handler
 * latency at a low rate, and publish + consume + ack throughput with 1 stream, 1 durable,
 * concurrency 64.
 *
 *   node -r @swc-node/register bench/pg-queue/run.ts [messages=20000] [publishers=32] [synchronousCommit=on]
 *
 * `synchronousCommit=off` shows what the queue does when a commit need not wait for the WAL flush
 * (a 202 then survives a process kill, not a power loss); `on` is Postgres' default.
 * Prints a table and writes bench/results/pg-queue.json. Uses a throwaway database, dropped after.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { IsInt } from 'class-validator';
import { Pool } from 'pg';
import pino from 'pino';
import 'reflect-metadata';
import { dropDatabase } from '@junction/platform/database';
import { PostgresQueue } from '@junction/platform/pg-queue';
import { defineEvent, defineStream } from '@junction/platform/ports';
import { createQueueDatabase, endPool } from '../../libs/platform/pg-queue/src/lib/testing/queue-database';

const MESSAGES = Number(process.argv[2] ?? 20_000);
const PUBLISHERS = Number(process.argv[3] ?? 32);
const SYNCHRONOUS_COMMIT = process.argv[4] === 'off' ? 'off' : 'on';
const LATENCY_SAMPLES = 300;
const LATENCY_GAP_MS = 10;
const CONCURRENCY = 64;
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

class Tick {
  @IsInt()
  n: number;
}

// one stream per phase, so the throughput phase has exactly 1 stream and 1 durable
const LatencyStream = defineStream({ name: 'BENCH_LATENCY', subjects: ['bench.latency.>'] });
const Probed = defineEvent('bench.latency.sent.v1', Tick, LatencyStream);
const ThroughputStream = defineStream({ name: 'BENCH_THROUGHPUT', subjects: ['bench.throughput.>'] });
const Ticked = defineEvent('bench.throughput.sent.v1', Tick, ThroughputStream);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (ms: number) => Math.round(ms * 100) / 100;

async function main(): Promise<void> {
  const name = `bench_pgq_${randomBytes(3).toString('hex')}`;
  const pool = new Pool({ connectionString: await createQueueDatabase(serverUrl, name), max: 16, options: `-c synchronous_commit=${SYNCHRONOUS_COMMIT}` });
  const queue = new PostgresQueue(pool, { logger: pino({ level: 'warn' }) });
  try {
    // 1. latency at a low rate: one message every LATENCY_GAP_MS
    const sentAt = new Map<number, number>();
    const handlerLatency: number[] = [];
    const commitLatency: number[] = [];
    const latencyConsumer = await queue.consume(
      Probed,
      async ({ n }) => {
        const start = sentAt.get(n);
        if (start !== undefined) handlerLatency.push(performance.now() - start);
      },
      { durable: 'latency', concurrency: CONCURRENCY },
    );
    for (let n = 0; n < LATENCY_SAMPLES; n++) {
      const start = performance.now();
      sentAt.set(n, start);
      await queue.publish(Probed, { n });
      commitLatency.push(performance.now() - start);
      await sleep(LATENCY_GAP_MS);
    }
    while (handlerLatency.length < LATENCY_SAMPLES) await sleep(10);
    await latencyConsumer.close();

    // 2. throughput: PUBLISHERS concurrent publish loops, one durable at concurrency 64, until every ack is written
    let handled = 0;
    const throughputConsumer = await queue.consume(Ticked, async () => void handled++, { durable: 'throughput', concurrency: CONCURRENCY });
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: PUBLISHERS }, async () => {
        while (next < MESSAGES) await queue.publish(Ticked, { n: next++ });
      }),
    );
    const published = performance.now();
    while (handled < MESSAGES) await sleep(2);
    while ((await queue.backlog(Ticked, 'throughput')) > 0) await sleep(5);
    const finished = performance.now();
    await throughputConsumer.close();
    const left = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM queue_message WHERE stream = $1', [ThroughputStream.name])).rows[0].n;

    handlerLatency.sort((a, b) => a - b);
    commitLatency.sort((a, b) => a - b);
    const results = {
      node: process.version,
      postgres: (await pool.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v,
      synchronousCommit: SYNCHRONOUS_COMMIT,
      latency: {
        samples: LATENCY_SAMPLES,
        gapMs: LATENCY_GAP_MS,
        publishToHandlerP50Ms: round(percentile(handlerLatency, 50)),
        publishToHandlerP99Ms: round(percentile(handlerLatency, 99)),
        publishCommitP50Ms: round(percentile(commitLatency, 50)),
        publishCommitP99Ms: round(percentile(commitLatency, 99)),
      },
      throughput: {
        messages: MESSAGES,
        publishers: PUBLISHERS,
        concurrency: CONCURRENCY,
        publishPerSec: Math.round(MESSAGES / ((published - started) / 1000)),
        publishConsumeAckPerSec: Math.round(MESSAGES / ((finished - started) / 1000)),
        // messages still stored once all were acked: acked rows are deleted, so 0
        rowsLeft: left,
      },
    };
    console.table({
      'publish → handler p50 (ms)': results.latency.publishToHandlerP50Ms,
      'publish → handler p99 (ms)': results.latency.publishToHandlerP99Ms,
      'publish commit p50 (ms)': results.latency.publishCommitP50Ms,
      'publish commit p99 (ms)': results.latency.publishCommitP99Ms,
      'publish only (msg/s)': results.throughput.publishPerSec,
      'publish + consume + ack (msg/s)': results.throughput.publishConsumeAckPerSec,
    });
    const dir = join(__dirname, '../results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'pg-queue.json'), JSON.stringify(results, null, 2));
  } finally {
    await queue.close();
    await endPool(pool);
    await dropDatabase(serverUrl, name);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
