import type { Browser, Page, Response } from 'playwright-core';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { Cluster, RUN_MODES, type RunMode } from '../cluster-harness';
import { launchChromium, screenshotIn, signIn, watchedPage, type WatchedPage } from './browser';
import { jobOf } from './job-waits';

interface ConnectionBody {
  id: string;
  name: string;
  secretFields: string[];
}

// written into the form only: none of them may come back anywhere
const FIRST_SECRET = 'tok_console_first_9f3a7c1e5b';
const SECOND_SECRET = 'tok_console_second_2d8e6b4f0a';
const CLIENT_SECRET = 'cs_console_oauth_7b1d9e3f5c';
const HEADER_SECRET = 'hdr_console_step_4c6e8a0b2d';

/** Every body of a GET /v1 answer the page receives (read once the page is done). */
function recordGetBodies(page: Page): () => Promise<string[]> {
  const responses: Response[] = [];
  page.on('response', (response) => {
    if (response.request().method() === 'GET' && new URL(response.url()).pathname.startsWith('/v1/')) responses.push(response);
  });
  return () => Promise.all(responses.map((r) => r.text().catch(() => '')));
}

/** What the page holds that a secret must never be in: its markup, its input values, its storage. */
async function pageHolds(page: Page): Promise<string> {
  // expressions as text: this suite is compiled without the DOM's types
  const values = await page.evaluate<string>("[...document.querySelectorAll('input')].map((i) => i.value).join('\\n')");
  const storage = await page.evaluate<string>('JSON.stringify({ ...sessionStorage, ...localStorage })');
  return `${await page.content()}\n${values}\n${storage}`;
}

/** Connections, and the richer job page, in the console served by the gateway in both modes (issue #14). */
describe.each(RUN_MODES)('web console (%s): connections with write-only secrets, and what a job step did', (mode: RunMode) => {
  const cluster = Cluster.inMode(mode);
  const shot = screenshotIn(mode);
  const sink = new FakeThirdParty();
  let browser: Browser;
  let consoleUrl = '';
  let auditorKey = '';
  /** The failed job of the steps-in-detail test, looked at again on a narrow screen. */
  let detailedJobId = '';
  const open = (): Promise<WatchedPage> => watchedPage(browser);

  beforeAll(async () => {
    await sink.start();
    sink.on('GET', '/authorize', { status: 200, text: 'the provider asks the user' });
    sink.on('POST', '/refuse', { status: 400, json: { error: 'order_invalid', detail: 'the total is negative' } });
    sink.on('POST', '/limited', [
      { status: 429, headers: { 'retry-after': '1' }, json: { error: 'slow down' } },
      { status: 200, json: { stored: true } },
    ]);
    [browser] = await Promise.all([launchChromium(), cluster.start(['gateway', 'auth', 'connectors', 'scheduler', 'executor', 'audit'])]);
    consoleUrl = `${cluster.gatewayUrl}/console/`;
    const created = await cluster.call<{ key: string }>('POST', '/v1/api-keys', { name: 'connections-auditor', role: 'auditor' });
    expect(created.status).toBe(201);
    auditorKey = created.body.key;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await cluster.stop();
    await sink.close();
  }, 60_000);

  it('creates a connection from the catalog with a generated form; the secret is write-only and never comes back', async () => {
    const watched = await open();
    const { page } = watched;
    const bodies = recordGetBodies(page);
    const creates: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/v1/connections')) creates.push(request.postData() ?? '');
    });
    await signIn(page, consoleUrl, cluster.apiKey);
    await page.getByRole('link', { name: 'Connections' }).click();
    await page.getByRole('heading', { name: 'Connections' }).waitFor();
    await page.getByText('No connections yet.').waitFor();

    await page.getByText('New connection').click();
    const form = page.getByRole('form', { name: 'New connection' });
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill('console crm');
    await form.getByLabel('Connector').selectOption({ label: 'HTTP' });
    await form.getByLabel('Authentication').selectOption({ label: 'Bearer token' });
    // generated from the schema: the secret is a password input, required, with its description
    const token = form.getByRole('textbox', { name: 'Token', exact: true });
    await expect(token.getAttribute('type')).resolves.toBe('password');
    await expect(token.getAttribute('aria-required')).resolves.toBe('true');
    await form.getByText('Sent as Authorization: Bearer …').waitFor();
    await expect(form.getByLabel('Allowed hosts').getAttribute('type')).resolves.toBe('text');
    await shot(page, 'connections-new');

    // a required field left empty stops the form (the browser's own check): nothing is sent
    await form.getByRole('button', { name: 'Create connection' }).click();
    await expect(form.locator('input[type=password]:invalid').count()).resolves.toBe(1);
    expect(creates).toEqual([]);

    await token.fill(FIRST_SECRET);
    await form.getByLabel('Allowed hosts').fill('http://127.0.0.1');
    await form.getByRole('button', { name: 'Create connection' }).click();
    await form.getByText('Created “console crm”.').waitFor();
    // what was sent: the kind chosen, the typed fields as strings
    expect(creates.map((c) => JSON.parse(c) as unknown)).toEqual([
      { name: 'console crm', connector: 'http', credentials: { kind: 'bearer', token: FIRST_SECRET, allowedHosts: 'http://127.0.0.1' } },
    ]);
    const row = page.getByRole('row').filter({ hasText: 'console crm' });
    await row.getByRole('cell', { name: 'token' }).waitFor();
    await expect(row.getByRole('cell', { name: 'HTTP', exact: true }).count()).resolves.toBe(1);
    await expect(token.inputValue()).resolves.toBe('');
    await shot(page, 'connections');

    const listed = await cluster.call<{ items: ConnectionBody[] }>('GET', '/v1/connections');
    const made = listed.body.items.find((c) => c.name === 'console crm');
    expect(made?.secretFields.sort()).toEqual(['allowedHosts', 'kind', 'token']);

    expect(await pageHolds(page)).not.toContain(FIRST_SECRET);
    for (const body of await bodies()) expect(body).not.toContain(FIRST_SECRET);
    expect(watched.requestUrls.filter((u) => u.includes(FIRST_SECRET) || u.includes(cluster.apiKey))).toEqual([]);
    expect(watched.pageErrors).toEqual([]);
    expect(watched.cspViolations).toEqual([]);
  });

  it('edits: a rename leaves the credentials alone; a typed secret replaces them and is not shown after', async () => {
    const watched = await open();
    const { page } = watched;
    const made = await cluster.call<ConnectionBody>('POST', '/v1/connections', {
      name: 'console edit me',
      connector: 'http',
      credentials: { kind: 'bearer', token: FIRST_SECRET },
    });
    expect(made.status).toBe(201);
    const patches: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PATCH') patches.push(request.postData() ?? '');
    });
    const bodies = recordGetBodies(page);
    await signIn(page, `${consoleUrl}connections`, cluster.apiKey);

    await page.getByRole('button', { name: 'Edit console edit me' }).click();
    const form = page.getByRole('form', { name: 'Edit console edit me' });
    // the secret is not shown: an empty password input, saying it is kept unless typed
    const token = form.getByRole('textbox', { name: 'Token', exact: true });
    await expect(token.inputValue()).resolves.toBe('');
    await expect(token.getAttribute('type')).resolves.toBe('password');
    await form.getByText('Write-only: never shown. Type it to replace it.').waitFor();
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill('console edited');
    await form.getByRole('button', { name: 'Save connection' }).click();
    await page.getByRole('row').filter({ hasText: 'console edited' }).waitFor();
    expect(patches.map((p) => JSON.parse(p) as unknown)).toEqual([{ name: 'console edited' }]);

    await page.getByRole('button', { name: 'Edit console edited' }).click();
    const again = page.getByRole('form', { name: 'Edit console edited' });
    await again.getByRole('textbox', { name: 'Token', exact: true }).fill(SECOND_SECRET);
    await again.getByRole('button', { name: 'Save connection' }).click();
    await again.waitFor({ state: 'detached' });
    expect(patches).toHaveLength(2);
    expect(JSON.parse(patches[1])).toEqual({ credentials: { kind: 'bearer', token: SECOND_SECRET } });

    const held = await pageHolds(page);
    expect(held).not.toContain(SECOND_SECRET);
    expect(held).not.toContain(FIRST_SECRET);
    for (const body of await bodies()) {
      expect(body).not.toContain(FIRST_SECRET);
      expect(body).not.toContain(SECOND_SECRET);
    }
    expect(watched.requestUrls.filter((u) => u.includes(SECOND_SECRET))).toEqual([]);
  });

  it('deletes a connection only after a confirmation', async () => {
    const { page } = await open();
    await cluster.call('POST', '/v1/connections', { name: 'console doomed', connector: 'http', credentials: {} });
    await signIn(page, `${consoleUrl}connections`, cluster.apiKey);
    const row = page.getByRole('row').filter({ hasText: 'console doomed' });
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    const still = await cluster.call<{ items: ConnectionBody[] }>('GET', '/v1/connections');
    expect(still.body.items.map((c) => c.name)).toContain('console doomed');

    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete connection' }).click();
    await row.waitFor({ state: 'detached' });
    const after = await cluster.call<{ items: ConnectionBody[] }>('GET', '/v1/connections');
    expect(after.body.items.map((c) => c.name)).not.toContain('console doomed');
  });

  it('Connect sends the browser to the provider for an OAuth connection (PKCE), never with the client secret', async () => {
    const { page } = await open();
    const made = await cluster.call<ConnectionBody>('POST', '/v1/connections', {
      name: 'console oauth',
      connector: 'http',
      credentials: { kind: 'oauth2', clientId: 'console-client', clientSecret: CLIENT_SECRET },
      oauth: {
        grant: 'authorization_code',
        tokenUrl: `${sink.url}/token`,
        authorizationUrl: `${sink.url}/authorize`,
        redirectUri: `${cluster.gatewayUrl}/v1/oauth/callback`,
        scopes: ['read'],
      },
    });
    expect(made.status).toBe(201);
    await signIn(page, `${consoleUrl}connections`, cluster.apiKey);
    await page.getByRole('button', { name: 'Connect console oauth' }).click();
    await page.waitForURL((url) => url.toString().startsWith(`${sink.url}/authorize`));
    const url = new URL(page.url());
    expect(url.searchParams.get('client_id')).toBe('console-client');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('state')).toBeTruthy();
    expect(page.url()).not.toContain(CLIENT_SECRET);
    expect(page.url()).not.toContain(cluster.apiKey);
  });

  it('an auditor sees the connections but no create, edit, connect or delete control', async () => {
    const { page } = await open();
    await signIn(page, `${consoleUrl}connections`, auditorKey);
    await page.getByRole('row').filter({ hasText: 'console edited' }).waitFor();
    await expect(page.getByText('New connection').count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: /^(Edit|Connect|Delete)/ }).count()).resolves.toBe(0);
  });

  it("the job page shows each step's input and output (redacted values as redacted), the Retry-After wait and the third party's 400", async () => {
    const watched = await open();
    const { page } = watched;
    const made = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: 'console steps in detail',
      trigger: { type: 'webhook' },
      steps: [
        { id: 'limited', action: 'http.request', input: { method: 'POST', url: `${sink.url}/limited`, body: { n: '{{ trigger.body.n }}' } } },
        {
          id: 'refused',
          action: 'http.request',
          input: { method: 'POST', url: `${sink.url}/refuse`, headers: { authorization: `Bearer ${HEADER_SECRET}` }, body: { total: -1 } },
        },
      ],
    });
    expect(made.status).toBe(201);
    const hook = await cluster.startHook(made.body.id);
    expect((await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":7}' })).status).toBe(202);
    const jobId = await jobOf(cluster, made.body.id, 'failed');
    detailedJobId = jobId;

    const bodies = recordGetBodies(page);
    await signIn(page, `${consoleUrl}jobs/${jobId}`, cluster.apiKey);
    const timeline = page.getByRole('list', { name: 'Step timeline' });
    await timeline.getByText('refused', { exact: true }).waitFor();

    // the 429 with Retry-After: 1 is a wait, then the step succeeded with its output
    const limited = timeline.getByRole('listitem').filter({ hasText: 'limited' });
    const wait = limited.getByText('Rate limited (Retry-After): waited');
    await wait.waitFor();
    // Retry-After: 1 was honoured: at least a second between the attempts
    const waited = /waited ([\d.]+) s/.exec((await wait.textContent()) ?? '')?.[1];
    expect(Number(waited)).toBeGreaterThanOrEqual(1);
    const limitedDone = limited.filter({ hasText: 'succeeded' });
    await limitedDone.getByText('Output').click();
    await expect(limitedDone.locator('.json-view pre').last().textContent()).resolves.toContain('"stored": true');

    // the refused step: its error, the third party's answer, and its input with the header redacted
    const refused = timeline.getByRole('listitem').filter({ hasText: 'refused' });
    await refused.getByText("Third party's response (HTTP 400)").click();
    await refused.getByText('the total is negative').waitFor();
    const input = refused.locator('details').filter({ hasText: 'Input' });
    await input.getByText('(1 value redacted)').waitFor();
    await input.locator('summary').click();
    await input.locator('.redacted').waitFor();
    await expect(input.locator('pre').textContent()).resolves.toContain('"total": -1');
    await shot(page, 'job-steps');

    expect(await pageHolds(page)).not.toContain(HEADER_SECRET);
    for (const body of await bodies()) expect(body).not.toContain(HEADER_SECRET);
    expect(watched.pageErrors).toEqual([]);
    expect(watched.cspViolations).toEqual([]);
  });

  it('filters the jobs list by a time range (since)', async () => {
    const watched = await open();
    const { page } = watched;
    const made = await cluster.call<{ id: string }>('POST', '/v1/recipes', { name: 'console ranged', trigger: { type: 'webhook' }, steps: [{ id: 'noop', set: { a: 1 } }] });
    const hook = await cluster.startHook(made.body.id);
    expect((await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(202);
    const jobId = await jobOf(cluster, made.body.id);

    await signIn(page, `${consoleUrl}jobs?recipeId=${made.body.id}`, cluster.apiKey);
    await page.getByRole('link', { name: jobId }).waitFor();
    await page.getByLabel('Created').selectOption({ label: 'Last hour' });
    await page.waitForURL(/range=1h/);
    await page.getByRole('link', { name: jobId }).waitFor();
    const ranged = watched.requestUrls.filter((u) => u.includes('/v1/jobs?') && u.includes('since='));
    expect(ranged.length).toBeGreaterThan(0);
    const since = new URL(ranged[ranged.length - 1]).searchParams.get('since') ?? '';
    expect(Math.abs(Date.now() - 3_600_000 - Date.parse(since))).toBeLessThan(60_000);

    // the same range through the API leaves out an older cut-off's jobs: a since in the future lists none
    const none = await cluster.call<{ items: unknown[] }>('GET', `/v1/jobs?recipeId=${made.body.id}&since=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(none.body.items).toEqual([]);
  });

  it('fits a 390 px wide phone screen: the connections with both forms open, and the job with its details open', async () => {
    const { page } = await open();
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn(page, `${consoleUrl}connections`, cluster.apiKey);
    await page.getByText('New connection').click();
    await page.getByRole('button', { name: 'Edit console edited' }).click();
    await page.getByRole('form', { name: 'Edit console edited' }).waitFor();
    await shot(page, 'narrow-connections');
    await expect(page.evaluate('document.documentElement.scrollWidth')).resolves.toBe(390);

    expect(detailedJobId).not.toBe('');
    await page.goto(`${consoleUrl}jobs/${detailedJobId}`);
    const timeline = page.getByRole('list', { name: 'Step timeline' });
    await timeline.getByText('refused', { exact: true }).waitFor();
    for (const summary of await timeline.locator('summary').all()) await summary.click();
    await expect(page.evaluate('document.documentElement.scrollWidth')).resolves.toBe(390);
  });
});
