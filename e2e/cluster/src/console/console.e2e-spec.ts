import type { Browser } from 'playwright-core';
import { Cluster } from '../cluster-harness';
import { launchChromium, screenshot, signIn, watchedPage, type WatchedPage } from './browser';

interface RecipeBody {
  id: string;
  name: string;
  webhookUrl?: string;
}

// a marker an injected script would set; the page must never get it
const XSS_NAME = '<img src=x onerror="window.__xss=1;alert(1)">';
const definition = (name: string) => ({ name, trigger: { type: 'webhook' }, steps: [{ id: 'shape', set: { order: '{{ trigger.body.id }}' } }] });

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The web console served by the standalone process, driven in Debian's chromium (issue #14). */
describe('web console (standalone): a person signs in, starts a recipe and follows its job', () => {
  const cluster = Cluster.inMode('standalone');
  let browser: Browser;
  let consoleUrl = '';
  let auditorKey = '';
  const open = (): Promise<WatchedPage> => watchedPage(browser);

  beforeAll(async () => {
    [browser] = await Promise.all([launchChromium(), cluster.start([])]);
    consoleUrl = `${cluster.gatewayUrl}/console/`;
    const created = await cluster.call<{ key: string }>('POST', '/v1/api-keys', { name: 'console-auditor', role: 'auditor' });
    expect(created.status).toBe(201);
    auditorKey = created.body.key;
  }, 120_000);

  /** Waits (through the API) until the recipe has a failed job. */
  async function failedJobOf(recipeId: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const page = await cluster.call<{ items: unknown[] }>('GET', `/v1/jobs?recipeId=${recipeId}&status=failed`);
      if (page.body.items.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`recipe ${recipeId} has no failed job after 30 s`);
  }

  /** Waits (through the API) for the recipe's first job and answers its id. */
  async function firstJobOf(recipeId: string): Promise<string> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const page = await cluster.call<{ items: { id: string }[] }>('GET', `/v1/jobs?recipeId=${recipeId}`);
      if (page.body.items[0]) return page.body.items[0].id;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`recipe ${recipeId} has no job after 30 s`);
  }

  afterAll(async () => {
    await browser?.close();
    await cluster.stop();
  });

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

  it('journey: sign in → the recipe listed → start it → webhook → the job and its steps; the key never in a URL or localStorage', async () => {
    const watched = await open();
    const { page } = watched;
    const made = await cluster.call<RecipeBody>('POST', '/v1/recipes', definition('console orders'));
    expect(made.status).toBe(201);
    const evil = await cluster.call<RecipeBody>('POST', '/v1/recipes', definition(XSS_NAME));
    expect(evil.status).toBe(201);

    await signIn(page, consoleUrl, cluster.apiKey);
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'console orders' }) });
    await row.getByText('stopped').waitFor();
    await expect(row.getByRole('cell', { name: 'webhook' }).count()).resolves.toBe(1);

    // the hostile name is text in the page, never markup
    await page.getByRole('link', { name: XSS_NAME }).waitFor();
    await expect(page.locator('img').count()).resolves.toBe(0);

    await screenshot(page, 'recipes');
    await row.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Start recipe' }).click();
    await row.getByText('running').waitFor();

    await page.getByRole('link', { name: 'console orders' }).click();
    await page.getByRole('heading', { name: 'console orders' }).waitFor();
    await page.locator('.cm-content').waitFor();
    await screenshot(page, 'recipe');
    const hookUrl = (await page.locator('#webhook-url').textContent()) ?? '';
    expect(hookUrl).toMatch(new RegExp(`^${cluster.gatewayUrl}/hooks/[A-Za-z0-9_-]{16,64}$`));
    const sent = await fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'A-1' }) });
    expect(sent.status).toBe(202);

    await page.getByRole('link', { name: 'Jobs of this recipe' }).click();
    await page.getByRole('table').waitFor();
    await screenshot(page, 'jobs');
    const jobLink = page.getByRole('table').getByRole('link').first();
    await jobLink.waitFor();
    await jobLink.click();
    await page.getByRole('heading', { name: /^Job / }).waitFor();
    const timeline = page.getByRole('list', { name: 'Step timeline' });
    await timeline.getByText('shape').waitFor();
    await timeline.getByText('succeeded').waitFor();
    await page.locator('.facts').getByText('succeeded').waitFor();
    await screenshot(page, 'job');

    await expect(page.evaluate('window.__xss')).resolves.toBeUndefined();
    expect(watched.dialogs).toEqual([]);
    expect(watched.pageErrors).toEqual([]);
    expect(watched.cspViolations).toEqual([]);
    expect(watched.requestUrls.filter((u) => u.includes(cluster.apiKey))).toEqual([]);
    expect(watched.requestUrls.some((u) => u.includes('/v1/recipes'))).toBe(true);
    await expect(page.evaluate('localStorage.length')).resolves.toBe(0);
    await expect(page.evaluate('sessionStorage.length')).resolves.toBe(1);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    await expect(page.evaluate('sessionStorage.length + localStorage.length')).resolves.toBe(0);
  });

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
    await screenshot(page, 'recipe-errors');
    await page.getByLabel('Definition (JSON)').fill(JSON.stringify(definition('console invalid edit'), null, 2));
    // the editor has taken the new text once the old marks are gone (they covered replaced text)
    // every underline gone (CodeMirror may draw one per error, so no single locator to wait on)
    await page.waitForFunction("document.querySelectorAll('.cm-lintRange-error').length === 0");
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved as version 2.').waitFor();
    expect(watched.cspViolations).toEqual([]);
    expect(watched.pageErrors).toEqual([]);
  });

  it('creates a recipe in the editor: a deliberate error shown inline, then fixed', async () => {
    const watched = await open();
    const { page } = watched;
    await signIn(page, consoleUrl, cluster.apiKey);
    await page.getByRole('link', { name: 'New recipe' }).click();
    await page.getByRole('heading', { name: 'New recipe' }).waitFor();
    await page.locator('.cm-content').waitFor();
    const broken = { name: 'console made here', trigger: { type: 'webhook' }, steps: [{ id: 'shape', set: 'not an object' }] };
    await page.getByLabel('Definition (JSON)').fill(JSON.stringify(broken, null, 2));
    await page.getByRole('button', { name: 'Create' }).click();
    const errors = page.getByRole('list', { name: 'Errors in the definition' });
    await errors.waitFor();
    await expect(errors.textContent()).resolves.toContain('/steps/0');
    await page.locator('.cm-lintRange-error').first().waitFor();

    await page.getByLabel('Definition (JSON)').fill(JSON.stringify(definition('console made here'), null, 2));
    // every underline gone (CodeMirror may draw one per error, so no single locator to wait on)
    await page.waitForFunction("document.querySelectorAll('.cm-lintRange-error').length === 0");
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'console made here' }).waitFor();
    const listed = await cluster.call<{ items: RecipeBody[] }>('GET', `/v1/recipes?name=${encodeURIComponent('console made here')}`);
    expect(listed.body.items.map((r) => r.name)).toEqual(['console made here']);
    expect(page.url()).toBe(`${consoleUrl}recipes/${listed.body.items[0].id}`);
    expect(watched.cspViolations).toEqual([]);
  });

  it('a failed job shows its error, and rerun (after a confirmation) runs it again', async () => {
    const watched = await open();
    const { page } = watched;
    const made = await cluster.call<RecipeBody>('POST', '/v1/recipes', {
      name: 'console failing',
      trigger: { type: 'webhook' },
      steps: [{ id: 'halt', stop: { reason: 'refused by the console test', failed: true } }],
    });
    const hook = await cluster.startHook(made.body.id);
    expect((await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(202);

    await failedJobOf(made.body.id);

    await signIn(page, `${consoleUrl}jobs?status=failed&recipeId=${made.body.id}`, cluster.apiKey);
    await page.getByRole('table').getByRole('link').first().click();
    const timeline = page.getByRole('list', { name: 'Step timeline' });
    await timeline.getByText('halt').waitFor();
    await page.locator('.facts').getByText('refused by the console test').waitFor();
    const jobId = (await page.locator('h1 code').textContent()) ?? '';
    const before = await cluster.call<{ finishedAt: string }>('GET', `/v1/jobs/${jobId}`);

    await page.getByRole('button', { name: 'Rerun' }).click();
    const rerun = page.waitForResponse((res) => res.url().endsWith(`/v1/jobs/${jobId}/rerun`));
    await page.getByRole('dialog').getByRole('button', { name: 'Rerun job' }).click();
    expect((await rerun).status()).toBeLessThan(300);
    // the job ran again: it ends once more (the stop step still refuses), later than before
    const deadline = Date.now() + 60_000;
    let after = before;
    while (after.body.finishedAt === before.body.finishedAt && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      after = await cluster.call<{ finishedAt: string }>('GET', `/v1/jobs/${jobId}`);
    }
    expect(after.body.finishedAt > before.body.finishedAt).toBe(true);
    await expect(page.getByRole('alert').count()).resolves.toBe(0);
    expect(watched.pageErrors).toEqual([]);
  }, 120_000);

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
    const jobId = await firstJobOf(made.body.id);

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
    const jobId = await firstJobOf(made.body.id);

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
    const jobId = await firstJobOf(made.body.id);

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
      await screenshot(page, `narrow-${name}`);
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
