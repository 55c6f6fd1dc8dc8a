import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { waitFor } from '@junction/shared/testing';
import { CLOSED_SERVERS } from '../cluster-harness';
import { processesNaming } from './data-dir-probes';

const workspaceRoot = join(__dirname, '../../../..');

/**
 * `npm start` itself (tools/scripts/start.sh, its build step skipped: the suite built dist), with
 * `PORT=0`: the banner must carry the port actually taken, never `:0` (and the executor's
 * JUNCTION_PUBLIC_URL, made from it, must be a valid URL or the process does not start).
 */
describe('npm start (tools/scripts/start.sh)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'junction-start-'));
  // as root the embedded Postgres runs as nobody, which must pass through the directory
  if (process.getuid?.() === 0) chmodSync(dataDir, 0o711);
  const output: string[] = [];
  let child: ChildProcessByStdio<null, Readable, Readable>;
  let exited: Promise<number | null>;

  beforeAll(() => {
    child = spawn('bash', ['tools/scripts/start.sh'], {
      cwd: workspaceRoot,
      // the suite built dist first; a build here (an Nx cache restore) would pull dist/apps/standalone
      // from under the other specs starting it meanwhile
      env: { ...process.env, ...CLOSED_SERVERS, JUNCTION_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info', JUNCTION_START_NO_BUILD: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((done) => child.once('exit', (code) => done(code)));
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      output.push(...lines);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });

  afterAll(async () => {
    if (child?.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('with PORT=0 reaches ready, prints the port it took, accepts a webhook there, and stops cleanly', async () => {
    await waitFor(() => child.exitCode !== null || output.some((l) => l.includes('JUNCTION_HTTP_ALLOW=')), 300_000, 200);
    expect(child.exitCode).toBeNull();
    const started = output.map((l) => /"msg":"standalone started"/.test(l) && (JSON.parse(l) as { url: string }).url).find(Boolean);
    const printed = output.map((l) => /Junction is running \(standalone\) at (\S+)/.exec(l)?.[1]).find(Boolean);
    expect(printed).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(printed as string).port).not.toBe('0');
    expect(printed).toBe(started);
    expect(output).toContain(`  API docs: ${printed}/docs`);
    expect((await fetch(`${printed}/health/ready`)).status).toBe(200);

    const apiKey = output[output.findIndex((l) => l.includes('admin API key (shown once')) + 1].trim();
    const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
    const created = await fetch(`${printed}/v1/recipes`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'hook', trigger: { type: 'webhook' }, steps: [{ id: 'noop', set: { ok: true } }] }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const start = await fetch(`${printed}/v1/recipes/${id}/start`, { method: 'POST', headers });
    const { webhookUrl } = (await start.json()) as { webhookUrl: string };
    expect(webhookUrl).toMatch(/^\/hooks\//);
    expect((await fetch(new URL(webhookUrl, printed), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(202);

    // start.sh execs node: SIGTERM reaches the standalone process, which stops its database too
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(processesNaming(dataDir)).toEqual([]);
  }, 360_000);
});
