import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startServiceProcess, waitFor, type ServiceProcess } from '@junction/shared/testing';
import { CLOSED_SERVERS } from '../cluster-harness';
import { processesNaming, snapshotDir } from './data-dir-probes';

const run = promisify(execFile);

/**
 * What a person meets on `npm start`, on the built standalone process: the first start teaches
 * (URL, docs, key, two commands that work as printed), a restart keeps everything, exported values
 * win, and every bad state — a second process, a taken port, a damaged data directory — stops with
 * a message that says what to do and changes nothing. Every server address points at a closed port.
 */
describe('standalone: first run, restart and bad states', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'junction-first-'));
  // as root the embedded Postgres runs as nobody, which must pass through the directory
  if (process.getuid?.() === 0) chmodSync(dataDir, 0o711);
  const keyFile = join(dataDir, 'admin-key');
  const processes: ServiceProcess[] = [];
  let apiKey = '';
  let running: ServiceProcess | undefined;

  const start = async (extra: Record<string, string> = {}) => {
    const started = await startServiceProcess('standalone', { ...CLOSED_SERVERS, JUNCTION_DATA_DIR: dataDir, ...extra }, 60_000);
    processes.push(started);
    return started;
  };
  /** Starts a process that must refuse to start; answers what it printed. */
  const refused = async (extra: Record<string, string> = {}): Promise<string> => {
    const error = await start(extra).then(
      () => new Error('the process started'),
      (e: Error) => e,
    );
    expect(error.message).toMatch(/^standalone exited with 1 before it started/);
    expect(error.message).not.toMatch(/\n\s+at /); // a message for a person, not a stack trace
    return error.message;
  };
  /** The banner, once its last line is out (it follows the `standalone started` log line). */
  const bannerOf = (p: ServiceProcess, lastLine: string) =>
    waitFor(() => {
      const lines = p.output.filter((l) => !l.startsWith('{'));
      return lines.some((l) => l.includes(lastLine)) && lines;
    }, 5_000);
  const call = (p: ServiceProcess, method: string, path: string, token: string, body?: unknown) =>
    fetch(`${p.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('prints the URL, the docs URL, the admin key and two commands that work as printed; the key is kept with mode 0600', async () => {
    const first = await start();
    const lines = await bannerOf(first, 'JUNCTION_HTTP_ALLOW=');
    const text = lines.join('\n');
    expect(text).toContain(`Junction is running (standalone) at ${first.url}`);
    expect(text).toContain(`API docs: ${first.url}/docs`);
    expect((await fetch(`${first.url}/docs`)).status).toBe(200);

    const keyAt = lines.findIndex((l) => l.includes("The local workspace's admin API key (shown once"));
    expect(lines[keyAt]).toContain(keyFile);
    apiKey = lines[keyAt + 1].trim();
    expect(apiKey).toMatch(/^\S{20,}$/);
    const commandsAt = lines.findIndex((l) => l.startsWith('Create a recipe, then run it'));
    const [create, runIt] = lines.slice(commandsAt + 1, commandsAt + 3).map((l) => l.trim());
    expect(create).toMatch(/^RECIPE=\$\(curl /);
    expect(runIt).toMatch(/^curl /);

    // exactly as printed: one shell, the first command sets RECIPE for the second
    const { stdout } = await run('bash', ['-c', `${create}\n${runIt}`], { timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({ hello: 'Ada' });

    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(apiKey);
    expect(statSync(join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
    // printed once for the person at the terminal, never in a log line
    expect(first.output.filter((l) => l.startsWith('{') && l.includes(apiKey))).toEqual([]);

    // SIGTERM: a clean exit that takes its Postgres along
    await first.stop();
    expect(first.child.exitCode).toBe(0);
    expect(processesNaming(dataDir)).toEqual([]);
  }, 120_000);

  it('restarts on the same data and key without printing it, and an exported root token wins over the generated one', async () => {
    const rootToken = randomBytes(32).toString('hex');
    running = await start({ JUNCTION_ROOT_TOKEN: rootToken });
    const text = (await bannerOf(running, 'admin API key is in')).join('\n');
    expect(text).toContain(`admin API key is in ${keyFile}`);
    expect(running.output.join('\n')).not.toContain(apiKey);

    const recipes = await call(running, 'GET', '/v1/recipes', apiKey);
    expect(recipes.status).toBe(200);
    expect(((await recipes.json()) as { items: { name: string }[] }).items.map((r) => r.name)).toContain('hello');

    const generated = (JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as { JUNCTION_ROOT_TOKEN: string }).JUNCTION_ROOT_TOKEN;
    expect(generated).not.toBe(rootToken);
    expect((await call(running, 'POST', '/v1/workspaces', rootToken, { name: 'exported-token' })).status).toBe(201);
    expect((await call(running, 'POST', '/v1/workspaces', generated, { name: 'generated-token' })).status).toBe(401);
  }, 120_000);

  it('refuses a second process on the same data directory, naming the holder, while the first keeps serving', async () => {
    const holder = running as ServiceProcess;
    const message = await refused();
    expect(message).toContain(`The data directory ${dataDir} is used by pid ${holder.child.pid}`);
    expect(message).toContain('JUNCTION_DATA_DIR');
    expect((await call(holder, 'GET', '/v1/recipes', apiKey)).status).toBe(200);

    await holder.stop();
    expect(holder.child.exitCode).toBe(0);
    expect(processesNaming(dataDir)).toEqual([]);
  }, 60_000);

  it('stops on a taken port naming the port and PORT, and leaves no Postgres and no lock behind', async () => {
    const squatter: Server = createServer();
    await new Promise<void>((done) => squatter.listen(0, '127.0.0.1', done));
    const port = (squatter.address() as { port: number }).port;
    try {
      const message = await refused({ PORT: String(port) });
      expect(message).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(message).toContain('set PORT to another port');
    } finally {
      await new Promise((done) => squatter.close(done));
    }
    expect(processesNaming(dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, 'junction.lock'))).toBe(false);
  }, 60_000);

  it('stops when JUNCTION_DATA_DIR is a file, naming it, and leaves the file as it was', async () => {
    const file = join(dataDir, 'not-a-dir');
    writeFileSync(file, 'a file\n');
    const message = await refused({ JUNCTION_DATA_DIR: file });
    expect(message).toContain(`The data directory ${file} is not a directory`);
    expect(message).toContain('set JUNCTION_DATA_DIR to another directory');
    expect(readFileSync(file, 'utf8')).toBe('a file\n');
    rmSync(file);
  }, 60_000);

  it.each([
    ['secrets.json is not JSON', 'secrets.json', '{ "JUNCTION_ROOT_TOKEN": ', 'secrets.json'],
    ['secrets.json is missing beside the database', 'secrets.json', undefined, 'secrets.json'],
    ['pg/PG_VERSION holds garbage', 'pg/PG_VERSION', 'garbage\n', 'pg'],
  ])(
    'stops on a damaged data directory (%s) with the path and what to do, changing nothing',
    async (_, file, garbage, named) => {
      const path = join(dataDir, file);
      const original = readFileSync(path);
      if (garbage === undefined) rmSync(path);
      else writeFileSync(path, garbage);
      try {
        const before = snapshotDir(dataDir);
        const message = await refused();
        expect(message).toContain(join(dataDir, named));
        expect(message).toMatch(/restore it from a backup|move it away/);
        expect(snapshotDir(dataDir)).toEqual(before);
        expect(processesNaming(dataDir)).toEqual([]);
      } finally {
        writeFileSync(path, original, { mode: 0o600 });
      }
    },
    60_000,
  );
});
