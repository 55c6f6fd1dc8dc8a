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
    await server?.stop();
    lock?.release();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  return handle;
}
