import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueNamespace } from '@junction/shared/testing';
import { Cluster, RUN_MODES, type RunMode } from './cluster-harness';

const CLI = join(__dirname, '../../../dist/apps/cli/main.js');
// a test runs several CLI processes; on a loaded 2-core machine each may take seconds
const SLOW = 180_000;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface RecipeRow {
  id: string;
  name: string;
  version: number;
  state: string;
  activeVersion?: number;
  managedBy?: string;
}

/** The recipes of the test, as a user would keep them in git. */
const files = (crmUrl: string): Record<string, string> => ({
  'greet.yaml': `name: greet
state: started
trigger:
  type: manual
steps:
  - id: hello
    set:
      message: "hello {{ trigger.who }}"
  - id: answer
    respond:
      status: 200
      body:
        said: "{{ vars.message }}"
`,
  'push-order.yaml': `name: push order
description: sends the order to the CRM (slowly)
state: started
trigger:
  type: manual
steps:
  - id: push
    action: http.request
    connection: crm
    input:
      method: POST
      url: ${crmUrl}/orders
      body: "{{ trigger }}"
`,
  'hook.yaml': `name: inbound hook
state: stopped
trigger:
  type: webhook
steps:
  - id: keep
    set:
      body: "{{ trigger.body }}"
`,
});

/**
 * The `junction` CLI, built, run as a child process against the product (standalone and cluster)
 * like a user in a terminal: login, apply a directory, idempotent re-apply, plan of an edit, export round trip,
 * run --wait, jobs logs --follow, and a bad file's file:line:column.
 */
describe.each(RUN_MODES)('junction CLI against the product (%s)', (mode: RunMode) => {
  const cluster = Cluster.inMode(mode, uniqueNamespace(mode === 'cluster' ? 'e2e_cli' : 'e2e_clisa'));
  const home = mkdtempSync(join(tmpdir(), 'junction-cli-home-'));
  const recipesDir = join(home, 'recipes');
  const exportDir = join(home, 'exported');
  let crm: Server;
  let crmUrl = '';
  const orders: unknown[] = [];

  const junction = (args: string[], extraEnv: Record<string, string> = {}): Promise<Ran> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        cwd: home,
        env: { PATH: process.env['PATH'] ?? '', HOME: home, XDG_CONFIG_HOME: join(home, '.config'), ...extraEnv },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  const recipes = async (): Promise<RecipeRow[]> => (await cluster.call<{ items: RecipeRow[] }>('GET', '/v1/recipes?limit=100')).body.items;
  const versions = async (): Promise<Record<string, number>> => Object.fromEntries((await recipes()).map((r) => [r.name, r.version]));

  beforeAll(async () => {
    // the CRM answers after a while, so the job is still running when its logs are followed
    crm = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () =>
        setTimeout(() => {
          orders.push(JSON.parse(body || '{}'));
          res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
        }, 1500),
      );
    });
    await new Promise<void>((resolve) => crm.listen(0, '127.0.0.1', resolve));
    crmUrl = `http://127.0.0.1:${(crm.address() as AddressInfo).port}`;
    await cluster.start(['gateway', 'auth', 'connectors', 'executor', 'audit']);
    const connection = await cluster.call('POST', '/v1/connections', { name: 'crm', connector: 'http', credentials: { apiKey: 'crm-secret', allowedHosts: crmUrl } });
    expect(connection.status).toBe(201);
    mkdirSync(recipesDir);
    for (const [name, text] of Object.entries(files(crmUrl))) writeFileSync(join(recipesDir, name), text);
  }, 180_000);

  afterAll(async () => {
    // the cluster drops its databases and NATS namespace
    await cluster.stop();
    await new Promise((resolve) => crm?.close(resolve));
    rmSync(home, { recursive: true, force: true });
  }, SLOW);

  it(
    'logs in: the key is checked and the profile saved readable by the user only',
    async () => {
      const bad = await junction(['login', '--url', cluster.gatewayUrl, '--key', 'jk_wrong']);
      expect(bad.code).toBe(4);
      expect(bad.stderr).toContain('(401)');
      const ok = await junction(['login', '--profile', 'dev', '--url', cluster.gatewayUrl, '--key', cluster.apiKey]);
      expect(ok).toEqual(expect.objectContaining({ code: 0, stderr: '' }));
      const config = join(home, '.config', 'junction', 'config.yaml');
      expect(statSync(config).mode & 0o777).toBe(0o600);
      expect(readFileSync(config, 'utf8')).toContain('current: dev');
    },
    SLOW,
  );

  it(
    'applies a directory of three recipes: created, marked, declared states applied, connection by name',
    async () => {
      const applied = await junction(['recipes', 'apply', '-f', recipesDir]);
      expect(applied.stderr).toBe('');
      expect(applied.code).toBe(0);
      expect(applied.stdout).toContain('Applied: 3 recipes changed.');
      const rows = await recipes();
      expect(rows.map((r) => [r.name, r.version, r.state, r.managedBy]).sort()).toEqual([
        ['greet', 1, 'running', 'junction-cli'],
        ['inbound hook', 1, 'stopped', 'junction-cli'],
        ['push order', 1, 'running', 'junction-cli'],
      ]);
      const push = rows.find((r) => r.name === 'push order') as RecipeRow;
      const stored = (await cluster.call<{ definition: { steps: { connection: string }[] } }>('GET', `/v1/recipes/${push.id}`)).body;
      expect(stored.definition.steps[0].connection).toMatch(/^conn_/);
    },
    SLOW,
  );

  it(
    'applies the same files again: nothing to do, no new versions',
    async () => {
      const before = await versions();
      const again = await junction(['recipes', 'apply', '-f', recipesDir]);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('Nothing to do: 3 recipes unchanged.');
      expect(await versions()).toEqual(before);
      expect((await junction(['recipes', 'plan', '-f', recipesDir])).code).toBe(0);
    },
    SLOW,
  );

  it(
    'plans exactly an edited file (exit code 2), then applies it as a new version',
    async () => {
      const file = join(recipesDir, 'hook.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('body: "{{ trigger.body }}"', 'body: "{{ trigger.body.order }}"'));
      const plan = await junction(['recipes', 'plan', '-f', recipesDir]);
      expect(plan.code).toBe(2);
      const lines = plan.stdout.split('\n');
      expect(lines.filter((l) => /^ {2}[+~>■=] /.test(l))).toEqual([
        `  = greet (${join(recipesDir, 'greet.yaml')}): unchanged`,
        `  ~ inbound hook (${file}): new version (v2)`,
        `  = push order (${join(recipesDir, 'push-order.yaml')}): unchanged`,
      ]);
      expect(lines.filter((l) => /^ {6}[-+] /.test(l))).toEqual(['      -       body: "{{ trigger.body }}"', '      +       body: "{{ trigger.body.order }}"']);
      const json = await junction(['recipes', 'plan', '-f', recipesDir, '--output', 'json']);
      expect((JSON.parse(json.stdout) as { name: string; changes: string[] }[]).filter((i) => i.changes.length > 0)).toEqual([
        expect.objectContaining({ name: 'inbound hook', changes: ['new version'] }),
      ]);
      const applied = await junction(['recipes', 'apply', '-f', recipesDir]);
      expect(applied.code).toBe(0);
      expect(await versions()).toEqual({ greet: 1, 'push order': 1, 'inbound hook': 2 });
    },
    SLOW,
  );

  it(
    'exports one YAML file per recipe that applies back with no change',
    async () => {
      const exported = await junction(['recipes', 'export', '-o', exportDir]);
      expect(exported.code).toBe(0);
      expect(readdirSync(exportDir).sort()).toEqual(['greet.yaml', 'inbound-hook.yaml', 'push-order.yaml']);
      expect(readFileSync(join(exportDir, 'push-order.yaml'), 'utf8')).toContain('connection: crm');
      const before = await versions();
      const reapplied = await junction(['recipes', 'apply', '-f', exportDir]);
      expect(reapplied.stdout).toContain('Nothing to do: 3 recipes unchanged.');
      expect(await versions()).toEqual(before);
    },
    SLOW,
  );

  it(
    'runs a recipe by name and waits for its reply',
    async () => {
      const ran = await junction(['run', 'greet', '--data', '{"who":"ada"}', '--wait', '--output', 'json']);
      expect(ran.stderr).toBe('');
      expect(ran.code).toBe(0);
      expect(JSON.parse(ran.stdout)).toEqual({ said: 'hello ada' });
    },
    SLOW,
  );

  it(
    'follows a job step by step until it ends',
    async () => {
      const started = await junction(['run', 'push order', '--data', '{"order":7}', '--output', 'json']);
      expect(started.code).toBe(0);
      const recipe = (await recipes()).find((r) => r.name === 'push order') as RecipeRow;
      let jobId = '';
      for (let i = 0; i < 50 && !jobId; i++) {
        jobId = (await cluster.call<{ items: { id: string }[] }>('GET', `/v1/jobs?recipeId=${recipe.id}`)).body.items[0]?.id ?? '';
        if (!jobId) await new Promise((r) => setTimeout(r, 100));
      }
      expect(jobId).toMatch(/^job_/);
      const began = Date.now();
      const followed = await junction(['jobs', 'logs', jobId, '--follow']);
      expect(followed.stderr).toBe('');
      expect(followed.stdout).toContain(`job ${jobId} succeeded`);
      expect(followed.code).toBe(0);
      const lines = followed.stdout.trim().split('\n');
      expect(lines[lines.length - 1]).toBe(`job ${jobId} succeeded`);
      expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^#\d+ push action succeeded \d+ms$/)]));
      expect(Date.now() - began).toBeLessThan(20_000);
      expect(orders).toEqual([{ order: 7 }]);
      // without a respond step, --wait prints the job's outcome
      const waited = await junction(['run', 'push order', '--data', '{"order":8}', '--wait']);
      expect(waited.code).toBe(0);
      expect(waited.stdout).toMatch(/^job job_\w+ succeeded\n/);
      expect(orders).toEqual([{ order: 7 }, { order: 8 }]);
    },
    SLOW,
  );

  it(
    'lists a failed job as a dead letter and redrives it',
    async () => {
      const created = await cluster.call('POST', '/v1/recipes', {
        name: 'always fails',
        trigger: { type: 'manual' },
        steps: [{ id: 'give_up', stop: { failed: true, reason: 'not today' } }],
      });
      expect(created.status).toBe(201);
      expect((await cluster.call('POST', `/v1/recipes/${created.body['id'] as string}/start`)).status).toBe(200);
      const ran = await junction(['run', 'always fails', '--wait']);
      expect(ran.code).toBe(3);
      expect(ran.stdout).toMatch(/^job job_\w+ failed\n/);
      const listed = await junction(['dead-letters', 'list', '--recipe', 'always fails', '--output', 'json']);
      expect(listed.code).toBe(0);
      const dead = JSON.parse(listed.stdout) as { id: string; status: string }[];
      expect(dead.map((j) => j.status)).toEqual(['failed']);
      const redriven = await junction(['dead-letters', 'redrive', 'always fails', '--output', 'json']);
      expect(redriven.stderr).toBe('');
      expect(redriven.code).toBe(0);
      expect(JSON.parse(redriven.stdout)).toEqual([{ id: dead[0].id, result: 'rerun' }]);
    },
    SLOW,
  );

  it(
    'exports the audit log of a time range as NDJSON',
    async () => {
      const out = join(home, 'audit.ndjson');
      let actions: string[] = [];
      // audit events arrive asynchronously over the bus
      for (let i = 0; i < 50 && !actions.includes('recipe.started'); i++) {
        const exported = await junction(['audit', 'export', '--since', '1h', '-o', out]);
        expect(exported.code).toBe(0);
        actions = readFileSync(out, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => (JSON.parse(l) as { action: string }).action);
        if (!actions.includes('recipe.started')) await new Promise((r) => setTimeout(r, 200));
      }
      expect(actions).toEqual(expect.arrayContaining(['recipe.created', 'recipe.updated', 'recipe.started']));
      expect(statSync(out).mode & 0o777).toBe(0o600);
    },
    SLOW,
  );

  it(
    'refuses a file with an error: file:line:column and exit code 1, offline and before any change',
    async () => {
      const file = join(recipesDir, 'greet.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('  - id: answer', '  - id: Answer'));
      const before = await versions();
      const validated = await junction(['recipes', 'validate', file]);
      expect(validated.code).toBe(1);
      expect(validated.stderr.trim()).toBe(`${file}:9:9: /steps/1/id must match pattern "^[a-z][a-z0-9_]*$"`);
      const applied = await junction(['recipes', 'apply', '-f', recipesDir]);
      expect(applied.code).toBe(1);
      expect(applied.stderr).toContain(`${file}:9:9:`);
      expect(await versions()).toEqual(before);
    },
    SLOW,
  );
});
