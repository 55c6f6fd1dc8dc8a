import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataDirLock, EmbeddedPostgres } from '@junction/platform/embedded-postgres';
import { uniqueNamespace } from '@junction/shared/testing';

export interface EmbeddedTestDatabase {
  /** The server's `postgres` database; set once `beforeAll` has run. */
  readonly url: string;
  /** A new empty database on the server, for a test that wants its own; its URL. */
  freshDatabase(label?: string): Promise<string>;
}

/**
 * A throwaway Postgres of this test file's own, from the embedded binaries (no server installed,
 * none reached on 5432): started in `beforeAll` under a temporary directory, stopped and deleted in
 * `afterAll`. Costs an initdb and a start (seconds), so one per file, not per test. Jest runs
 * afterAll hooks in the order declared: declare the one closing your pools before calling this,
 * or the server stops under them and their idle clients' errors crash the file.
 */
export function withEmbeddedTestDatabase(options: { startTimeoutMs?: number } = {}): EmbeddedTestDatabase {
  let dir: string | undefined;
  let lock: DataDirLock | undefined;
  let server: EmbeddedPostgres | undefined;
  const handle: EmbeddedTestDatabase = {
    get url(): string {
      if (!server) throw new Error('withEmbeddedTestDatabase: the database starts in beforeAll; read url in a test or a later hook');
      return server.url;
    },
    async freshDatabase(label = 'db'): Promise<string> {
      const name = uniqueNamespace(label);
      const client = new Client({ connectionString: handle.url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      const url = new URL(handle.url);
      url.pathname = `/${name}`;
      return url.toString();
    },
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-test-db-'));
    chmodSync(dir, 0o755); // as root the server runs as the postgres user, who must enter it
    const dataDir = join(dir, 'data');
    lock = DataDirLock.acquire(dataDir);
    server = await EmbeddedPostgres.start({ dataDir });
  }, options.startTimeoutMs ?? 90_000);

  afterAll(async () => {
    if (server) await clientsGone(server.url);
    await server?.stop();
    lock?.release();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  return handle;
}

/**
 * Waits (at most 5 s) until no other client is connected. A pool's `end()` resolves before its
 * clients' sockets have closed; stopping the server under a client still ending makes it emit the
 * server's "terminating connection" as an unhandled error that fails the file (seen under load).
 */
async function clientsGone(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    for (const until = Date.now() + 5_000; Date.now() < until; ) {
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`);
      if (rows[0].n === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch {
    // the server is stopped next whatever this finds
  } finally {
    await client.end().catch(() => undefined);
  }
}
