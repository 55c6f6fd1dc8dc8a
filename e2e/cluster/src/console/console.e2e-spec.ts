import type { Browser } from 'playwright-core';
import { FakeThirdParty, type Behaviour, type RecordedRequest } from '@junction/connector-sdk/testing';
import { Cluster, RUN_MODES, type RunMode } from '../cluster-harness';
import { launchChromium, screenshotIn, signIn, watchedPage, type WatchedPage } from './browser';
import { jobOf } from './job-waits';

interface RecipeBody {
  id: string;
  name: string;
  webhookUrl?: string;
}

// a marker an injected script would set; the page must never get it
const XSS_NAME = '<img src=x onerror="window.__xss=1;alert(1)">';
// typed into the connection form only: never to come back in the page or a URL
const SINK_TOKEN = 'tok_console_journey_8c2e4a6f1d';
const definition = (name: string) => ({ name, trigger: { type: 'webhook' }, steps: [{ id: 'shape', set: { order: '{{ trigger.body.id }}' } }] });

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** What the journey's sink answers: the orders API, which at some point starts requiring a currency. */
function ordersApi(rules: { requireCurrency: boolean }): (req: RecordedRequest) => Behaviour {
  return (req) => {
    if (req.headers.authorization !== `Bearer ${SINK_TOKEN}`) return { status: 401, json: { error: 'unauthorized' } };
    const order = (req.json ?? {}) as { currency?: string };
    if (rules.requireCurrency && !order.currency) return { status: 400, json: { error: 'order_invalid', detail: 'currency is required' } };
    return { status: 200, json: { stored: true } };
  };
}

/** The web console served by the gateway, in both modes, driven in Debian's chromium (issue #14). */
describe.each(RUN_MODES)('web console (%s): a person signs in, builds a recipe, follows, fixes and reruns its job', (mode: RunMode) => {
  const cluster = Cluster.inMode(mode);
  const sink = new FakeThirdParty();
  const sinkRules = { requireCurrency: false };
  let browser: Browser;
  let consoleUrl = '';
  let auditorKey = '';
  const open = (): Promise<WatchedPage> => watchedPage(browser);
  const shot = screenshotIn(mode);

  beforeAll(async () => {
    await sink.start();
    sink.on('POST', '/orders', ordersApi(sinkRules));
    [browser] = await Promise.all([launchChromium(), cluster.start(['gateway', 'auth', 'connectors', 'scheduler', 'executor', 'audit'])]);
    consoleUrl = `${cluster.gatewayUrl}/console/`;
    const created = await cluster.call<{ key: string }>('POST', '/v1/api-keys', { name: 'console-auditor', role: 'auditor' });
    expect(created.status).toBe(201);
    auditorKey = created.body.key;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await cluster.stop();
    await sink.close();
  }, 60_000);

  it('serves the console with a strict CSP, no inline script, cache headers and the SPA fallback', async () => {
    const index = await fetch(consoleUrl);
    expect(index.status).toBe(200);
    const csp = index.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    // the one inline thing allowed: a <style> with this response's nonce (the editor's theme), named in index.html
    const nonce = /'nonce-([A-Za-z0-9+/=]{20,})'/.exec(csp)?.[1] ?? '';
    expect(csp).toContain(`style-src 'self' 'nonce-${nonce}'`);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await index.text();
    expect(html).toContain(`<meta name="csp-nonce" content="${nonce}" />`);
    // every <script> has a src: nothing inline for the CSP to have to allow
    const scripts = html.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) expect(script).toMatch(/^<script\b[^>]*\bsrc="\/console\/assets\/[^"]+"[^>]*><\/script>$/);

    const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1] ?? '';
    const js = await fetch(`${cluster.gatewayUrl}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');

    // a client-side route is the app; a missing asset is not
    const deep = await fetch(`${cluster.gatewayUrl}/console/jobs/job_x?status=failed`);
    expect(deep.status).toBe(200);
    const deepCsp = deep.headers.get('content-security-policy') ?? '';
    const deepNonce = /'nonce-([^']+)'/.exec(deepCsp)?.[1] ?? '';
    expect(deepNonce).not.toBe(nonce); // a fresh one per page load
    expect(deepCsp).toBe(csp.replace(nonce, deepNonce));
    expect(await deep.text()).toBe(html.replace(nonce, deepNonce));
    const missing = await fetch(`${cluster.gatewayUrl}/console/assets/nope-12345678.js`);
    expect(missing.status).toBe(404);
    expect((await fetch(`${cluster.gatewayUrl}/console/../v1/recipes`)).status).toBe(401);
  });

  it('GET /v1/me names the caller and its role, and is in the OpenAPI document', async () => {
    const admin = await cluster.call<{ role: string; workspaceId: string; kind: string }>('GET', '/v1/me');
    expect(admin.status).toBe(200);
    expect(admin.body).toMatchObject({ role: 'admin', workspaceId: cluster.workspaceId, kind: 'api_key' });
    expect((await cluster.call('GET', '/v1/me', undefined, auditorKey)).body).toMatchObject({ role: 'auditor' });
    expect((await cluster.call('GET', '/v1/me', undefined, 'jn_not_a_key')).status).toBe(401);
    const doc = await cluster.call<{ paths: Record<string, unknown> }>('GET', '/docs/openapi.json');
    expect(Object.keys(doc.body.paths)).toContain('/v1/me');
    expect(Object.keys(doc.body.paths).filter((p) => p.startsWith('/console'))).toEqual([]);
  });

  it('shows an error for a wrong key, not a blank page, and keeps nothing', async () => {
    const { page } = await open();
    await page.goto(consoleUrl);
    await page.getByLabel('API key').fill('jn_wrong_key_0123456789');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('not accepted');
    await expect(page.evaluate('sessionStorage.length + localStorage.length')).resolves.toBe(0);
  });

  it('journey: sign in with a key → a connection → a recipe in the editor (an error inline, fixed) → start → webhook → the job’s steps → a job failed by a 400 → fixed and rerun → the audit chain verified', async () => {
    const watched = await open();
    const { page } = watched;
    const evil = await cluster.call<RecipeBody>('POST', '/v1/recipes', definition(XSS_NAME));
    expect(evil.status).toBe(201);
    const name = `console orders ${mode}`;
    const recipe = (connection: string, body: Record<string, string>) => ({
      name,
      trigger: { type: 'webhook' },
      steps: [{ id: 'deliver', action: 'http.request', connection, input: { method: 'POST', url: `${sink.url}/orders`, body } }],
    });

    // sign in with a key
    await signIn(page, consoleUrl, cluster.apiKey);
    // the hostile name is text in the page, never markup
    await page.getByRole('link', { name: XSS_NAME }).waitFor();
    await expect(page.locator('img').count()).resolves.toBe(0);
    await shot(page, 'recipes');

    // a connection to the orders API, from the catalog's form
    await page.getByRole('link', { name: 'Connections' }).click();
    await page.getByRole('heading', { name: 'Connections' }).waitFor();
    await page.getByText('New connection').click();
    const form = page.getByRole('form', { name: 'New connection' });
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill('orders api');
    await form.getByLabel('Connector').selectOption({ label: 'HTTP' });
    await form.getByLabel('Authentication').selectOption({ label: 'Bearer token' });
    await form.getByRole('textbox', { name: 'Token', exact: true }).fill(SINK_TOKEN);
    // the token goes to the orders API's origin only
    await form.getByLabel('Allowed hosts').fill(sink.url);
    await form.getByRole('button', { name: 'Create connection' }).click();
    await form.getByText('Created “orders api”.').waitFor();

    // a recipe written in the editor: a mistyped connection is the server's 422, underlined at its path; then fixed
    await page.getByRole('link', { name: 'Recipes' }).click();
    await page.getByRole('link', { name: 'New recipe' }).click();
    await page.getByRole('heading', { name: 'New recipe' }).waitFor();
    await page.locator('.cm-content').waitFor();
    await page.getByLabel('Definition (JSON)').fill(JSON.stringify(recipe('orders apu', { id: '{{ trigger.body.id }}' }), null, 2));
    await page.getByRole('button', { name: 'Create' }).click();
    const errors = page.getByRole('list', { name: 'Errors in the definition' });
    await errors.waitFor();
    await expect(errors.textContent()).resolves.toContain('/steps/0/connection');
    await expect(page.locator('.cm-lintRange-error').first().textContent()).resolves.toBe('"orders apu"');
    await page.getByLabel('Definition (JSON)').fill(JSON.stringify(recipe('orders api', { id: '{{ trigger.body.id }}' }), null, 2));
    // every underline gone (CodeMirror may draw one per error, so no single locator to wait on)
    await page.waitForFunction("document.querySelectorAll('.cm-lintRange-error').length === 0");
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name }).waitFor();
    const listed = await cluster.call<{ items: RecipeBody[] }>('GET', `/v1/recipes?name=${encodeURIComponent(name)}`);
    expect(listed.body.items.map((r) => r.name)).toEqual([name]);
    const recipeId = listed.body.items[0].id;
    expect(page.url()).toBe(`${consoleUrl}recipes/${recipeId}`);

    // start it, from its page, after a confirmation
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Start recipe' }).click();
    await page.locator('#webhook-url').waitFor();
    await page.locator('.cm-content').waitFor();
    await shot(page, 'recipe');
    const shown = new URL((await page.locator('#webhook-url').textContent()) ?? '');
    expect(shown.pathname).toMatch(/^\/hooks\/[A-Za-z0-9_-]{16,64}$/);
    const hookUrl = `${cluster.gatewayUrl}${shown.pathname}`;
    const send = (order: Record<string, unknown>) => fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order) });

    // a webhook: its job and the step it ran
    expect((await send({ id: 'A-1' })).status).toBe(202);
    await page.getByRole('link', { name: 'Jobs of this recipe' }).click();
    await page.getByRole('table').waitFor();
    const jobLink = page.getByRole('table').getByRole('link').first();
    await jobLink.waitFor();
    await shot(page, 'jobs');
    await jobLink.click();
    await page.getByRole('heading', { name: /^Job / }).waitFor();
    const timeline = page.getByRole('list', { name: 'Step timeline' });
    await timeline.getByText('deliver').waitFor();
    await page.locator('.facts').getByText('succeeded').waitFor();
    await shot(page, 'job');
    expect(sink.requestsTo('/orders').map((r) => r.json)).toEqual([{ id: 'A-1' }]);

    // the orders API now requires a currency: the next order's job fails with its 400, shown on the job page
    sinkRules.requireCurrency = true;
    expect((await send({ id: 'A-2' })).status).toBe(202);
    const failedId = await jobOf(cluster, recipeId, 'failed');
    await page.goto(`${consoleUrl}jobs?recipeId=${recipeId}&status=failed`);
    await page.getByRole('link', { name: failedId }).click();
    await page.locator('.facts').getByText('failed', { exact: true }).waitFor();
    await page
      .locator('.facts')
      .getByText(/failed with HTTP 400$/)
      .waitFor();
    const step = timeline.getByRole('listitem').filter({ hasText: 'deliver' });
    await step.getByText("Third party's response (HTTP 400)").click();
    await step.getByText('currency is required').waitFor();

    // the fix: version 2 sends the currency, saved in the editor
    await page.goto(`${consoleUrl}recipes/${recipeId}`);
    await page.locator('.cm-content').waitFor();
    await page.getByLabel('Definition (JSON)').fill(JSON.stringify(recipe('orders api', { id: '{{ trigger.body.id }}', currency: 'EUR' }), null, 2));
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved as version 2.').waitFor();

    // rerun the failed job on the latest version, after a confirmation: it succeeds
    await page.goto(`${consoleUrl}jobs/${failedId}`);
    await page.getByLabel('Rerun on').selectOption('latest');
    await page.getByRole('button', { name: 'Rerun' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rerun job' }).click();
    await page.getByText(/^Rerun on version 2 \(it ran on 1\)/).waitFor();
    await page.locator('.facts').getByText('succeeded').waitFor({ timeout: 30_000 });
    const rerun = await cluster.call<{ status: string; recipeVersion: number }>('GET', `/v1/jobs/${failedId}`);
    expect(rerun.body).toMatchObject({ status: 'succeeded', recipeVersion: 2 });
    expect(sink.requestsTo('/orders').at(-1)?.json).toEqual({ id: 'A-2', currency: 'EUR' });

    // the audit chain over all of it, verified
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    const verified = (await page.getByText(/^The chain is intact: \d+ events checked\.$/).textContent()) ?? '';
    expect(Number(/(\d+) events/.exec(verified)?.[1])).toBeGreaterThan(0);

    await expect(page.evaluate('window.__xss')).resolves.toBeUndefined();
    expect(watched.dialogs).toEqual([]);
    expect(watched.pageErrors).toEqual([]);
    expect(watched.cspViolations).toEqual([]);
    expect(watched.requestUrls.filter((u) => u.includes(cluster.apiKey) || u.includes(SINK_TOKEN))).toEqual([]);
    expect(await page.content()).not.toContain(SINK_TOKEN);
    await expect(page.evaluate('localStorage.length')).resolves.toBe(0);
    await expect(page.evaluate('sessionStorage.length')).resolves.toBe(1);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    await expect(page.evaluate('sessionStorage.length + localStorage.length')).resolves.toBe(0);
  }, 180_000);

  it("shows the server's 422 errors at their paths when a definition is saved (listed, and underlined in the editor)", async () => {
    const watched = await open();
    const { page } = watched;
    const made = await cluster.call<RecipeBody>('POST', '/v1/recipes', definition('console invalid edit'));
    await signIn(page, `${consoleUrl}recipes/${made.body.id}`, cluster.apiKey);
    await page.getByRole('heading', { name: 'console invalid edit' }).waitFor();
    await page.getByLabel('Definition (JSON)').fill(JSON.stringify({ name: 'console invalid edit', trigger: { type: 'webhook' }, steps: 'not a list' }));
    await page.getByRole('button', { name: 'Save' }).click();
    const errors = page.getByRole('list', { name: 'Errors in the definition' });
    await errors.waitFor();
    await expect(errors.textContent()).resolves.toContain('/steps');
    // the editor marks the value the pointer names
    await expect(page.locator('.cm-lintRange-error').first().textContent()).resolves.toBe('"not a list"');
    await shot(page, 'recipe-errors');
    await page.getByLabel('Definition (JSON)').fill(JSON.stringify(definition('console invalid edit'), null, 2));
    // the editor has taken the new text once the old marks are gone (they covered replaced text)
    // every underline gone (CodeMirror may draw one per error, so no single locator to wait on)
    await page.waitForFunction("document.querySelectorAll('.cm-lintRange-error').length === 0");
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved as version 2.').waitFor();
    expect(watched.cspViolations).toEqual([]);
    expect(watched.pageErrors).toEqual([]);
  });

  it('follows a running job live over the event stream, without a reload', async () => {
    const watched = await open();
    const { page } = watched;
    const made = await cluster.call<RecipeBody>('POST', '/v1/recipes', {
      name: 'console slow',
      trigger: { type: 'webhook' },
      steps: [
        { id: 'pause', delay: '3s' },
        { id: 'after', set: { done: true } },
      ],
    });
    const hook = await cluster.startHook(made.body.id);
    await signIn(page, `${consoleUrl}jobs?recipeId=${made.body.id}`, cluster.apiKey);
    expect((await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' })).status).toBe(202);
    const jobId = await jobOf(cluster, made.body.id);

    await page.goto(`${consoleUrl}jobs/${jobId}`);
    await page.getByText('(live)').waitFor();
    const timeline = page.getByRole('list', { name: 'Step timeline' });
    // the delay ends and the next step runs while the page stays open
    await timeline.getByText('after').waitFor({ timeout: 30_000 });
    await page.locator('.facts').getByText('succeeded').waitFor();
    await expect(page.getByText('(live)').count()).resolves.toBe(0);
    expect(watched.requestUrls.filter((u) => u.endsWith(`/v1/jobs/${jobId}/events`)).length).toBeGreaterThan(0);
    expect(watched.requestUrls.filter((u) => u.includes(cluster.apiKey))).toEqual([]);
  });

  it('cancels a running job after a confirmation', async () => {
    const { page } = await open();
    const made = await cluster.call<RecipeBody>('POST', '/v1/recipes', { name: 'console sleepy', trigger: { type: 'webhook' }, steps: [{ id: 'nap', delay: '10m' }] });
    const hook = await cluster.startHook(made.body.id);
    expect((await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(202);
    const jobId = await jobOf(cluster, made.body.id);

    await signIn(page, `${consoleUrl}jobs/${jobId}`, cluster.apiKey);
    await page.getByRole('button', { name: 'Cancel job' }).click();
    // the first answer is no: nothing happens
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect(page.getByRole('dialog').isVisible()).resolves.toBe(false);
    expect((await cluster.call<{ status: string }>('GET', `/v1/jobs/${jobId}`)).body.status).not.toBe('cancelled');

    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Yes, cancel it' }).click();
    await page.locator('.facts').getByText('cancelled').waitFor({ timeout: 30_000 });
    expect((await cluster.call<{ status: string }>('GET', `/v1/jobs/${jobId}`)).body.status).toBe('cancelled');
  });

  it('fits a 390 px wide phone screen: no page scrolls sideways', async () => {
    const { page } = await open();
    await page.setViewportSize({ width: 390, height: 844 });
    const made = await cluster.call<RecipeBody>('POST', '/v1/recipes', definition('console narrow screen with a rather long recipe name'));
    const hook = await cluster.startHook(made.body.id);
    expect((await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"n-1"}' })).status).toBe(202);
    const jobId = await jobOf(cluster, made.body.id);

    await signIn(page, consoleUrl, cluster.apiKey);
    const pages: [string, string, () => Promise<void>][] = [
      ['recipes', 'recipes', () => page.getByRole('table').waitFor()],
      ['recipe', `recipes/${made.body.id}`, () => page.locator('.cm-content').waitFor()],
      ['jobs', `jobs?recipeId=${made.body.id}`, () => page.getByRole('table').waitFor()],
      ['job', `jobs/${jobId}`, () => page.getByRole('list', { name: 'Step timeline' }).waitFor()],
    ];
    for (const [name, path, ready] of pages) {
      await page.goto(`${consoleUrl}${path}`);
      await ready();
      await shot(page, `narrow-${name}`);
      const width = await page.evaluate('document.documentElement.scrollWidth');
      expect({ path, width }).toEqual({ path, width: 390 });
    }
  });

  it('signs in with email and password; signing out revokes that session token', async () => {
    const { page } = await open();
    const password = 'console-test-password-1';
    const user = await cluster.call('POST', '/v1/users', { email: 'operator@console.test', password, role: 'operator' });
    expect(user.status).toBe(201);

    await page.goto(consoleUrl);
    await page.getByText('Sign in with email and password').click();
    await page.getByLabel('Email').fill('operator@console.test');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in with password' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('not accepted');

    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in with password' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.getByText(/^operator · /).waitFor();
    await expect(page.getByRole('link', { name: 'Audit log' }).count()).resolves.toBe(0);
    const token = String(await page.evaluate('sessionStorage.getItem("junction.apiKey")'));
    expect((await cluster.call('GET', '/v1/me', undefined, token)).status).toBe(200);
    await expect(page.evaluate('localStorage.length')).resolves.toBe(0);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    // revocation reaches every gateway within 5 s; this one at once
    expect((await cluster.call('GET', '/v1/me', undefined, token)).status).toBe(401);
  });

  it('the audit log: an auditor filters it, verifies the chain and exports NDJSON', async () => {
    const { page } = await open();
    await signIn(page, consoleUrl, auditorKey);
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await page.getByRole('table').waitFor();

    await page.getByLabel('Action').fill('recipe.*');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/action=recipe/);
    await page
      .getByRole('table')
      .getByText(/^recipe\./)
      .first()
      .waitFor();
    const actions = await page.locator('tbody td:nth-child(3)').allTextContents();
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => !a.startsWith('recipe.'))).toEqual([]);

    await page.getByRole('button', { name: 'Verify the chain' }).click();
    await page.getByText(/^The chain is intact: \d+ events checked\.$/).waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export NDJSON' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^audit-.+\.ndjson$/);
    const lines = (await readStream(await download.createReadStream())).trim().split('\n');
    // the whole filtered range (the page showed at most 50; events may have arrived since)
    expect(lines.length).toBeGreaterThanOrEqual(actions.length);
    expect(lines.map((l) => (JSON.parse(l) as { action: string }).action).filter((a) => !a.startsWith('recipe.'))).toEqual([]);
  });

  it('API keys: an admin creates one (the secret shown once), and revokes it after a confirmation', async () => {
    const { page } = await open();
    await signIn(page, consoleUrl, cluster.apiKey);
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await page.getByLabel('Name').fill('console-made');
    await page.getByLabel('Role').selectOption('builder');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.locator('#new-key').textContent()) ?? '';
    expect(secret).toMatch(/^jn_/);
    expect((await cluster.call('GET', '/v1/me', undefined, secret)).body).toMatchObject({ role: 'builder' });

    const row = page.getByRole('row').filter({ hasText: 'console-made' });
    await row.waitFor();
    // the list shows the prefix only
    expect(await page.getByRole('table').textContent()).not.toContain(secret);
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
    await row.getByText('revoked').waitFor();
    expect((await cluster.call('GET', '/v1/me', undefined, secret)).status).toBe(401);
    // leaving the page forgets the secret
    await page.getByRole('link', { name: 'Recipes' }).click();
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await expect(page.locator('#new-key').count()).resolves.toBe(0);
  });

  it('an auditor sees recipes and jobs but no edit, start/stop or rerun controls', async () => {
    const { page } = await open();
    const made = await cluster.call<RecipeBody>('POST', '/v1/recipes', definition('console audited'));
    await signIn(page, consoleUrl, auditorKey);
    await page.getByRole('link', { name: 'console audited' }).waitFor();
    await expect(page.getByRole('button', { name: /^(Start|Stop)$/ }).count()).resolves.toBe(0);
    await expect(page.getByRole('link', { name: 'New recipe' }).count()).resolves.toBe(0);
    await expect(page.getByRole('link', { name: 'API keys' }).count()).resolves.toBe(0);
    await page.getByRole('link', { name: 'console audited' }).click();
    await page.getByRole('heading', { name: 'console audited' }).waitFor();
    await page.locator('.cm-content').waitFor();
    await expect(page.getByRole('button', { name: 'Save' }).count()).resolves.toBe(0);
    await expect(page.getByLabel('Definition (JSON)').getAttribute('aria-readonly')).resolves.toBe('true');
    await expect(page.getByLabel('Definition (JSON)').getAttribute('contenteditable')).resolves.toBe('false');
    await expect(page.getByRole('button', { name: /^(Start|Stop)$/ }).count()).resolves.toBe(0);
    // the API holds the line too
    expect((await cluster.call('POST', `/v1/recipes/${made.body.id}/start`, undefined, auditorKey)).status).toBe(403);
  });
});
