/**
 * The process the crash test kills: publishes work items 0..9 (printing `published <n>` once each
 * publish resolved) and handles them, acknowledging items below 5 and holding the others forever
 * (printing `holding <n>`).
 *
 *   node -r @swc-node/register crash-child.ts <database url>
 */
import { Pool } from 'pg';
import pino from 'pino';
import { PostgresQueue } from '../postgres-queue';
import { CRASH_DURABLE, WorkQueued } from './work.contract';

async function main(url: string): Promise<void> {
  const pool = new Pool({ connectionString: url, max: 4 });
  const queue = new PostgresQueue(pool, { logger: pino({ level: 'silent' }) });
  await queue.consume(
    WorkQueued,
    async ({ n }) => {
      if (n < 5) return;
      process.stdout.write(`holding ${n}\n`);
      await new Promise(() => undefined);
    },
    { durable: CRASH_DURABLE, concurrency: 10 },
  );
  for (let n = 0; n < 10; n++) {
    await queue.publish(WorkQueued, { n });
    process.stdout.write(`published ${n}\n`);
  }
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
