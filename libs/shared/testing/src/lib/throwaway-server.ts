import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1 (the OS picks it; another process could take it before use). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

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

/**
 * A server process of the test's own (nats-server, redis-server) on a loopback port, with its
 * files in a temporary directory: it can be killed (SIGKILL, no clean shutdown) and restarted on
 * the same port with the same data directory, and is removed with its directory at the end.
 */
export class ThrowawayServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** What the server printed (stdout and stderr), across restarts. */
  readonly output: string[] = [];
  private readonly killOnExit = () => this.child?.kill('SIGKILL');

  private constructor(
    readonly name: string,
    readonly port: number,
    readonly dir: string,
    private readonly command: string,
    private readonly args: (port: number, dir: string) => string[],
  ) {}

  /** Starts `command` with `args(port, dir)` and resolves once the port accepts connections. */
  static async start(name: string, command: string, args: (port: number, dir: string) => string[], files: Record<string, string> = {}): Promise<ThrowawayServer> {
    const dir = mkdtempSync(join(tmpdir(), `junction-${name}-`));
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text, { mode: 0o600 });
    const server = new ThrowawayServer(name, await freePort(), dir, command, args);
    await server.restart();
    return server;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process again (same port, same directory) after `kill` or `stop`. */
  async restart(timeoutMs = 15_000): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    const child = spawn(this.command, this.args(this.port, this.dir), { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    process.once('exit', this.killOnExit);
    const collect = (chunk: Buffer) => this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + timeoutMs;
    while (!(await portOpen(this.port))) {
      if (!this.running) throw new Error(`${this.name} exited at start:\n${this.output.join('\n')}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${this.name} did not listen on ${this.port} within ${timeoutMs} ms:\n${this.output.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGKILL: no chance to flush or close anything. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM and wait for the exit. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  /** Stops the process and deletes its directory. */
  async dispose(): Promise<void> {
    await this.kill();
    process.removeListener('exit', this.killOnExit);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    if (this.running) this.child?.kill(signal);
    await this.exited;
  }
}

/**
 * nats-server with JetStream on a free loopback port; `config` is the text of a configuration
 * file (e.g. an `authorization` block), to which listen address, port and store directory are added.
 */
export function startNatsServer(config = ''): Promise<ThrowawayServer> {
  return ThrowawayServer.start('nats', 'nats-server', (port, dir) => ['-c', join(dir, 'nats.conf'), '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, 'jetstream')], {
    'nats.conf': config,
  });
}

/** redis-server on a free loopback port, no persistence; `aclFile` (text) becomes its ACL file. */
export function startRedisServer(aclFile?: string): Promise<ThrowawayServer> {
  return ThrowawayServer.start(
    'redis',
    'redis-server',
    (port, dir) => [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      ...(aclFile === undefined ? [] : ['--aclfile', join(dir, 'users.acl')]),
    ],
    aclFile === undefined ? {} : { 'users.acl': aclFile },
  );
}
