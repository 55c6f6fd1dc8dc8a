import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './throwaway-server';

const PG_BIN = process.env.JUNCTION_PG_BIN ?? '/usr/lib/postgresql/15/bin';
// initdb and postgres refuse to run as root: as root, the server runs as this system user
const PG_OS_USER = 'postgres';

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function osUser(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string) => Number(spawnSync('id', [flag, PG_OS_USER], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || uid <= 0) throw new Error(`running as root, and there is no system user "${PG_OS_USER}" to run Postgres as`);
  return { uid, gid };
}

/**
 * A Postgres server of the test's own: `initdb` into a temporary directory, `postgres` on a free
 * loopback port (trust authentication, user `postgres`). It can be killed (SIGKILL of the
 * postmaster), stopped in immediate mode (SIGQUIT: no checkpoint, crash recovery at the next
 * start) or cleanly, and restarted on the same port and data directory.
 */
export class ThrowawayPostgres {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  readonly output: string[] = [];
  private readonly killOnExit = () => this.child?.kill('SIGKILL');

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly user: { uid: number; gid: number } | undefined,
  ) {}

  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start(): Promise<ThrowawayPostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'junction-postgres-'));
    const user = osUser();
    if (user) chownSync(dir, user.uid, user.gid);
    const data = join(dir, 'data');
    const init = spawnSync(join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-instructions'], {
      encoding: 'utf8',
      ...(user ?? {}),
    });
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout || init.error?.message}`);
    const server = new ThrowawayPostgres(await freePort(), dir, user);
    await server.restart();
    return server;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the server again on the same port and data directory (after a kill: crash recovery first). */
  async restart(timeoutMs = 30_000): Promise<void> {
    if (this.running) throw new Error('postgres is already running');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // backends of a SIGKILLed postmaster exit on their own shortly after; until then the data directory is in use
      await this.spawnOnce();
      while (this.running && !(await portOpen(this.port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (this.running && (await portOpen(this.port))) return;
      if (Date.now() > deadline) {
        this.child?.kill('SIGKILL');
        throw new Error(`postgres did not listen on ${this.port} within ${timeoutMs} ms:\n${this.output.slice(-20).join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** SIGKILL of the postmaster: no shutdown at all. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  /** `pg_ctl stop -m immediate`: every process quits at once, no checkpoint. */
  stopImmediate(): Promise<void> {
    return this.signal('SIGQUIT');
  }

  /** `pg_ctl stop -m fast`: sessions cut, a clean checkpoint. */
  stop(): Promise<void> {
    return this.signal('SIGINT');
  }

  async dispose(): Promise<void> {
    await this.stopImmediate();
    process.removeListener('exit', this.killOnExit);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async spawnOnce(): Promise<void> {
    const data = join(this.dir, 'data');
    if (!existsSync(data)) throw new Error(`${data} is gone`);
    const child = spawn(
      join(PG_BIN, 'postgres'),
      ['-D', data, '-p', String(this.port), '-k', this.dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=off', '-c', 'full_page_writes=off'],
      { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'], ...(this.user ?? {}) },
    );
    this.child = child;
    process.removeListener('exit', this.killOnExit);
    process.once('exit', this.killOnExit);
    const collect = (chunk: Buffer) => this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // a start that fails at once (data directory still locked) is noticed by the caller's loop
    await new Promise((r) => setTimeout(r, 100));
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    if (this.running) this.child?.kill(signal);
    await this.exited;
  }
}

/** A throwaway Postgres (see `ThrowawayPostgres`). */
export function startPostgresServer(): Promise<ThrowawayPostgres> {
  return ThrowawayPostgres.start();
}
