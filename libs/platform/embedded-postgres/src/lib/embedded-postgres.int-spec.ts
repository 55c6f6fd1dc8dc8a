import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataDirLock } from './data-dir-lock';
import { EmbeddedDatabaseError } from './embedded-database.error';
import { EmbeddedPostgres } from './embedded-postgres';
import { exitOf, firstLine, spawnFixture } from './fixtures/child-process';
import { isRunning } from './process-info';
import { isRoot } from './run-as';

jest.setTimeout(90_000);

/** Every entry under `dir` with its type, size, mode, owner and mtime: "changed nothing" means equal listings. */
function listing(dir: string): string[] {
  const lines: string[] = [];
  const walk = (path: string) => {
    const stat = lstatSync(path);
    lines.push(`${path} ${stat.isDirectory() ? 'd' : 'f'} ${stat.size} ${stat.mode.toString(8)} ${stat.uid} ${stat.mtimeMs}`);
    if (stat.isDirectory()) for (const name of readdirSync(path).sort()) walk(join(path, name));
  };
  walk(dir);
  return lines;
}

/** nobody: the account tests switch to when they run as root. */
function unprivileged(): { uid: number; gid: number } {
  return {
    uid: Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })),
    gid: Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' })),
  };
}

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

function refusalOf(promise: Promise<unknown>): Promise<EmbeddedDatabaseError> {
  return promise.then(
    () => {
      throw new Error('expected the start to be refused');
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(EmbeddedDatabaseError);
      return error as EmbeddedDatabaseError;
    },
  );
}

function connectionError(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('EmbeddedPostgres', () => {
  const root = mkdtempSync(join(tmpdir(), 'junction-embedded-pg-'));
  /** A cluster created once (first start), copied for the tests that damage or reuse one. */
  const template = join(root, 'template');
  let first: { ms: number; url: string; port: number };

  beforeAll(async () => {
    chmodSync(root, 0o755); // the server's account (nobody, when tests run as root) must reach its data
    const startedAt = Date.now();
    const server = await EmbeddedPostgres.start({ dataDir: template });
    first = { ms: Date.now() - startedAt, url: server.url, port: server.port };
    await query(server.url, 'CREATE TABLE kept (id int PRIMARY KEY, note text)');
    await query(server.url, "INSERT INTO kept VALUES (1, 'survives a restart')");
    await server.stop();
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  let copies = 0;
  function copyOfTemplate(): string {
    const dir = join(root, `copy-${++copies}`);
    execFileSync('cp', ['-a', template, dir]); // -a keeps the cluster's owner and modes
    return dir;
  }

  it('creates the database on first start, with the password in a 0600 file', async () => {
    expect(first.url).toMatch(/^postgres:\/\/postgres:[0-9a-f]{64}@127\.0\.0\.1:\d+\/postgres$/);
    expect(statSync(join(template, 'pg-password')).mode & 0o777).toBe(0o600);
    expect(statSync(join(template, 'pg')).mode & 0o777).toBe(0o700);
    expect(existsSync(join(template, 'pg', 'PG_VERSION'))).toBe(true);
    expect(readdirSync(template).filter((name) => name.startsWith('.initdb-pw'))).toEqual([]); // the temp password file is gone
    expect(existsSync(join(template, 'pg.log'))).toBe(true);
  });

  it('restarts on the same data: a committed row survives, the server answers with durable settings', async () => {
    const dataDir = copyOfTemplate();
    const server = await EmbeddedPostgres.start({ dataDir });
    try {
      expect(await query(server.url, 'SELECT id, note FROM kept')).toEqual([{ id: 1, note: 'survives a restart' }]);
      const [settings] = await query<Record<string, string>>(
        server.url,
        `SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sync,
                current_setting('shared_buffers') AS buffers, current_setting('io_method') AS io,
                current_setting('server_version_num') AS version`,
      );
      expect(settings).toEqual({ fsync: 'on', sync: 'on', buffers: '16MB', io: 'sync', version: expect.stringMatching(/^18/) });
    } finally {
      await server.stop();
    }
    expect(isRunning(server.pid)).toBe(false);
  });

  it('refuses a wrong password: logins are scram, not trust', async () => {
    const dataDir = copyOfTemplate();
    const server = await EmbeddedPostgres.start({ dataDir });
    try {
      await expect(query(server.url.replace(/:[0-9a-f]{64}@/, ':wrong@'), 'SELECT 1')).rejects.toThrow(/password authentication failed/);
    } finally {
      await server.stop();
    }
  });

  it('listens on 127.0.0.1 only: not on ::1, not on other addresses, no unix socket', async () => {
    const dataDir = copyOfTemplate();
    const server = await EmbeddedPostgres.start({ dataDir });
    try {
      expect(await connectionError('127.0.0.1', server.port)).toBe('connected');
      expect(['ECONNREFUSED', 'EADDRNOTAVAIL', 'ENETUNREACH', 'EAFNOSUPPORT']).toContain(await connectionError('::1', server.port));
      const outside = Object.values(networkInterfaces())
        .flat()
        .filter((address) => address && !address.internal)
        .map((address) => address?.address as string);
      for (const address of outside) expect(await connectionError(address, server.port)).not.toBe('connected');
      const [row] = await query<{ dirs: string; listen: string }>(
        server.url,
        "SELECT current_setting('unix_socket_directories') AS dirs, current_setting('listen_addresses') AS listen",
      );
      expect(row).toEqual({ dirs: '', listen: '127.0.0.1' });
      for (const socketDir of ['/tmp', '/var/run/postgresql', join(dataDir, 'pg')]) {
        expect(existsSync(join(socketDir, `.s.PGSQL.${server.port}`))).toBe(false);
      }
    } finally {
      await server.stop();
    }
  });

  it('stops a server left running by an owner killed with SIGKILL, then starts normally', async () => {
    const dataDir = copyOfTemplate();
    const owner = spawnFixture('run-server', [dataDir]);
    const started = JSON.parse(await firstLine(owner)) as { pid: number; port: number };
    owner.kill('SIGKILL');
    await exitOf(owner);
    expect(isRunning(started.pid)).toBe(true); // orphaned, still serving

    const lock = DataDirLock.acquire(dataDir); // the dead owner's lock is stale
    const server = await EmbeddedPostgres.start({ dataDir });
    try {
      expect(isRunning(started.pid)).toBe(false);
      expect(await query(server.url, 'SELECT note FROM kept')).toEqual([{ note: 'survives a restart' }]);
    } finally {
      await server.stop();
      lock.release();
    }
  });

  it('starts over a stale postmaster.pid when the server was killed with its owner', async () => {
    const dataDir = copyOfTemplate();
    const owner = spawnFixture('run-server', [dataDir]);
    const started = JSON.parse(await firstLine(owner)) as { pid: number };
    owner.kill('SIGKILL');
    process.kill(started.pid, 'SIGKILL'); // power-cut-like: no shutdown checkpoint, postmaster.pid left behind
    await exitOf(owner);
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(true);

    const lock = DataDirLock.acquire(dataDir);
    const server = await EmbeddedPostgres.start({ dataDir });
    try {
      expect(await query(server.url, 'SELECT note FROM kept')).toEqual([{ note: 'survives a restart' }]);
    } finally {
      await server.stop();
      lock.release();
    }
  });

  it('stops the server when its Node process gets SIGTERM', async () => {
    const dataDir = copyOfTemplate();
    const owner = spawnFixture('run-server', [dataDir]);
    const started = JSON.parse(await firstLine(owner)) as { pid: number };
    owner.kill('SIGTERM');
    await exitOf(owner);
    expect(owner.signalCode).toBe('SIGTERM'); // the signal was re-raised: the process ended as it would have
    expect(isRunning(started.pid)).toBe(false);
  });

  it('names the port when a fixed port is taken', async () => {
    const dataDir = copyOfTemplate();
    const squatter = createServer((socket) => socket.destroy()); // answers nothing, holds no connection open
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as AddressInfo).port;
    try {
      const refusal = await refusalOf(EmbeddedPostgres.start({ dataDir, port }));
      expect(refusal.message).toContain(`Port ${port} on 127.0.0.1 is already in use`);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('refuses to start while another process holds the data directory', async () => {
    const dataDir = copyOfTemplate();
    const holder = spawnFixture('hold-lock', [dataDir]);
    try {
      expect(await firstLine(holder)).toBe('locked');
      await expect(EmbeddedPostgres.start({ dataDir })).rejects.toThrow(`is used by pid ${holder.pid}`);
    } finally {
      holder.kill('SIGKILL');
      await exitOf(holder);
    }
  });

  describe('bad data directories: a clear error naming the path, nothing changed', () => {
    async function expectRefusedUnchanged(dataDir: string, damaged: string, message: RegExp): Promise<void> {
      const before = listing(dataDir);
      const refusal = await refusalOf(EmbeddedPostgres.start({ dataDir }));
      expect(refusal.message).toMatch(message);
      expect(refusal.message).toContain(damaged);
      expect(refusal.message).toMatch(/move it away|JUNCTION_DATA_DIR/);
      expect(listing(dataDir)).toEqual(before);
    }

    it('garbage in PG_VERSION', async () => {
      const dataDir = copyOfTemplate();
      writeFileSync(join(dataDir, 'pg', 'PG_VERSION'), '\u0000\u0013garbage');
      await expectRefusedUnchanged(dataDir, join(dataDir, 'pg'), /is damaged: .*PG_VERSION holds no version number/);
    });

    it('a cluster of another major version', async () => {
      const dataDir = copyOfTemplate();
      writeFileSync(join(dataDir, 'pg', 'PG_VERSION'), '15\n');
      await expectRefusedUnchanged(dataDir, join(dataDir, 'pg'), /created by Postgres 15 and this build runs Postgres 18/);
    });

    it('global/pg_control missing', async () => {
      const dataDir = copyOfTemplate();
      rmSync(join(dataDir, 'pg', 'global', 'pg_control'));
      await expectRefusedUnchanged(dataDir, join(dataDir, 'pg'), /global\/pg_control is missing/);
    });

    it('a pg that is a file', async () => {
      const dataDir = join(root, 'pg-is-a-file');
      mkdirSync(dataDir);
      writeFileSync(join(dataDir, 'pg'), 'not a database');
      await expectRefusedUnchanged(dataDir, join(dataDir, 'pg'), /is not a directory/);
    });

    it('a pg directory holding something else', async () => {
      const dataDir = join(root, 'pg-holds-other-files');
      mkdirSync(join(dataDir, 'pg'), { recursive: true });
      writeFileSync(join(dataDir, 'pg', 'notes.txt'), 'mine');
      await expectRefusedUnchanged(dataDir, join(dataDir, 'pg'), /is not a Postgres database \(no PG_VERSION\)/);
    });
  });

  it('runs as an ordinary user: creates, answers, stops with its process', async () => {
    const dataDir = join(root, 'ordinary-user');
    mkdirSync(dataDir);
    const asUser = isRoot() ? unprivileged() : undefined;
    if (asUser) chownSync(dataDir, asUser.uid, asUser.gid);
    const owner = spawnFixture('run-server', [dataDir], { ...(asUser ?? {}), env: { ...process.env, HOME: tmpdir() } });
    const started = JSON.parse(await firstLine(owner, 60_000)) as { pid: number; port: number; error?: string };
    try {
      expect(started.error).toBeUndefined();
      expect(statSync(join(dataDir, 'pg')).uid).toBe(asUser ? asUser.uid : process.getuid?.());
      const password = readFileSync(join(dataDir, 'pg-password'), 'utf8').trim();
      expect(await query(`postgres://postgres:${password}@127.0.0.1:${started.port}/postgres`, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      owner.kill('SIGTERM');
      await exitOf(owner);
    }
    expect(isRunning(started.pid)).toBe(false);
  });

  it('refuses a data directory this user cannot write, changing nothing', async () => {
    const dataDir = join(root, 'read-only');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o555);
    const before = listing(dataDir);
    const messages: string[] = [];
    if (isRoot()) {
      // root writes anywhere: the refusal is seen by an unprivileged user, here nobody
      for (const step of ['lock', 'start']) {
        const child = spawnFixture('run-server', [dataDir, step], { ...unprivileged(), env: { ...process.env, HOME: tmpdir() } });
        const line = JSON.parse(await firstLine(child)) as { error?: string };
        await exitOf(child);
        messages.push(line.error ?? 'started');
      }
    } else {
      messages.push((await refusalOf(Promise.resolve().then(() => DataDirLock.acquire(dataDir)))).message);
      messages.push((await refusalOf(EmbeddedPostgres.start({ dataDir }))).message);
    }
    expect(messages).toHaveLength(2);
    for (const message of messages) {
      expect(message).toContain(`The data directory ${dataDir} is not writable by this user`);
      expect(message).toContain('JUNCTION_DATA_DIR');
    }
    expect(listing(dataDir)).toEqual(before);
  });
});
