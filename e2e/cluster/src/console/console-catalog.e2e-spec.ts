import type { Browser, Page } from 'playwright-core';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { ACME_GOOD_TOKEN, acmeConnector, serveAcme } from '../acme-connector';
import { Cluster, RUN_MODES, type RunMode } from '../cluster-harness';
import { launchChromium, screenshotIn, signIn, watchedPage, type WatchedPage } from './browser';
import { jobOf } from './job-waits';

// typed into the forms only: never to come back in the page
const BAD_TOKEN = 'tok_console_catalog_bad_6a2f9d';

/** What the page holds that a secret must never be in: its markup, its input values, its storage. */
async function pageHolds(page: Page): Promise<string> {
  // expressions as text: this suite is compiled without the DOM's types
  const values = await page.evaluate<string>("[...document.querySelectorAll('input, textarea')].map((i) => i.value).join('\\n')");
  const storage = await page.evaluate<string>('JSON.stringify({ ...sessionStorage, ...localStorage })');
  return `${await page.content()}\n${values}\n${storage}`;
}

/**
 * The connector catalog, a connection made from a catalog entry's form and tested, and a recipe
 * using it written in the editor (the server's 422 shown inline, then fixed): in both modes, driven
 * in Debian's chromium (issue #14).
 */
describe.each(RUN_MODES)('web console (%s): connectors, connections tested, the editor’s inline errors', (mode: RunMode) => {
  const cluster = Cluster.inMode(mode);
  const acme = new FakeThirdParty();
  let browser: Browser;
  let consoleUrl = '';
  const open = (): Promise<WatchedPage> => watchedPage(browser);
  const shot = screenshotIn(mode);

  beforeAll(async () => {
    await acme.start();
    serveAcme(acme);
    [browser] = await Promise.all([launchChromium(), cluster.start(['gateway', 'auth', 'connectors', 'executor', 'audit'])]);
    consoleUrl = `${cluster.gatewayUrl}/console/`;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await cluster.stop();
    await acme.close();
  }, 60_000);

  it('lists the catalog with each action’s schemas, and registers a declarative connector (its 422 at the paths first)', async () => {
    const watched = await open();
    const { page } = watched;
    await signIn(page, consoleUrl, cluster.apiKey);
    await page.getByRole('link', { name: 'Connectors' }).click();
    await page.getByRole('heading', { name: 'Connectors', level: 1 }).waitFor();

    // a built-in: its actions, each with its input and output schema
    const http = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /^HTTP http\b/ }) });
    await http.getByText(/^Actions \(\d+\)$/).click();
    const request = http.getByRole('list', { name: 'Actions of HTTP' }).getByRole('listitem').filter({ hasText: 'request' });
    await request.getByText('Input schema of request').click();
    await expect(request.locator('.json-view pre').first().textContent()).resolves.toContain('"url"');

    await page.getByText('Register a declarative connector').click();
    const form = page.getByRole('form', { name: 'Register a connector' });
    const text = form.getByLabel('Connector definition (JSON)');
    await text.fill(JSON.stringify({ key: 'Not A Key', displayName: 'Broken', baseUrl: acme.url, auth: { kind: 'bearer' }, actions: [] }));
    await form.getByRole('button', { name: 'Register connector' }).click();
    const problems = form.getByRole('list', { name: 'Problems in the definition' });
    await problems.waitFor();
    await expect(problems.textContent()).resolves.toContain('key');

    await text.fill(JSON.stringify(acmeConnector(acme.url), null, 2));
    await form.getByRole('button', { name: 'Register connector' }).click();
    await form.getByText(/^Registered “Acme \(e2e\)” \(acme-e2e\) version /).waitFor();

    // the new entry in the catalog, testable, with its action's output schema
    const entry = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /^Acme \(e2e\) acme-e2e/ }) });
    await entry.getByText('connections can be tested').waitFor();
    await entry.getByText('Actions (1)').click();
    await entry.getByText('Output schema of me').click();
    await expect(entry.locator('.json-view[open] pre').last().textContent()).resolves.toContain('"id"');
    await shot(page, 'connectors');
    expect(watched.pageErrors).toEqual([]);
    expect(watched.cspViolations).toEqual([]);
  });

  it('creates connections from the catalog entry’s form and tests them: passed, and failed with the third party’s reason', async () => {
    const watched = await open();
    const { page } = watched;
    await signIn(page, consoleUrl, cluster.apiKey);
    await page.getByRole('link', { name: 'Connections' }).click();
    await page.getByRole('heading', { name: 'Connections' }).waitFor();

    await page.getByText('New connection').click();
    const form = page.getByRole('form', { name: 'New connection' });
    const create = async (name: string, token: string) => {
      await form.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
      await form.getByLabel('Connector').selectOption({ label: 'Acme (e2e)' });
      // bearer, from the catalog: the token is a password input
      const field = form.getByRole('textbox', { name: 'Token', exact: true });
      await expect(field.getAttribute('type')).resolves.toBe('password');
      await field.fill(token);
      await form.getByLabel('Allowed hosts').fill('http://127.0.0.1');
      await form.getByRole('button', { name: 'Create connection' }).click();
      await form.getByText(`Created “${name}”.`).waitFor();
      await expect(field.inputValue()).resolves.toBe('');
    };
    await create('acme good', ACME_GOOD_TOKEN);
    await create('acme bad', BAD_TOKEN);

    await page.getByRole('button', { name: 'Test acme good' }).click();
    await page.getByText('Test of “acme good” passed').waitFor();
    await expect(page.locator('.test-outcome').textContent()).resolves.toBe('Test of “acme good” passed: Acme (e2e) accepted the credentials.');

    await page.getByRole('button', { name: 'Test acme bad' }).click();
    await page.getByText('Test of “acme bad” failed').waitFor();
    const failed = (await page.locator('.test-outcome').textContent()) ?? '';
    expect(failed).toContain('refused the credentials');
    expect(failed).toContain('HTTP 401');
    // the fake echoes the token back: the answer has it scrubbed
    expect(failed).not.toContain(BAD_TOKEN);
    await shot(page, 'connections-test');

    // a connector without a test offers no Test button
    expect((await cluster.call('POST', '/v1/connections', { name: 'plain http', connector: 'http', credentials: {} })).status).toBe(201);
    await page.reload();
    await page.getByRole('row').filter({ hasText: 'plain http' }).waitFor();
    await expect(page.getByRole('button', { name: 'Test plain http' }).count()).resolves.toBe(0);

    const held = await pageHolds(page);
    expect(held).not.toContain(BAD_TOKEN);
    expect(held).not.toContain(ACME_GOOD_TOKEN);
    expect(watched.requestUrls.filter((u) => u.includes(BAD_TOKEN) || u.includes(ACME_GOOD_TOKEN))).toEqual([]);
    expect(watched.pageErrors).toEqual([]);
    expect(watched.cspViolations).toEqual([]);
  });

  it('writes a recipe using the connection in the editor: the server’s 422 at its path underlined, then fixed', async () => {
    const watched = await open();
    const { page } = watched;
    await signIn(page, consoleUrl, cluster.apiKey);
    await page.getByRole('link', { name: 'New recipe' }).click();
    await page.getByRole('heading', { name: 'New recipe' }).waitFor();
    await page.locator('.cm-content').waitFor();
    const recipe = (connection: string) => ({
      name: `console acme ${mode}`,
      trigger: { type: 'webhook' },
      steps: [{ id: 'whoami', action: 'acme-e2e.me', connection, input: {} }],
    });
    // valid by the recipe schema: the only mark is the server's (no connection of that name)
    await page.getByLabel('Definition (JSON)').fill(JSON.stringify(recipe('acme nope'), null, 2));
    await page.getByRole('button', { name: 'Create' }).click();
    const errors = page.getByRole('list', { name: 'Errors in the definition' });
    await errors.waitFor();
    await expect(errors.textContent()).resolves.toContain('/steps/0/connection');
    await expect(errors.textContent()).resolves.toContain('no connection named "acme nope"');
    const mark = page.locator('.cm-lintRange-error');
    await mark.first().waitFor();
    await expect(mark.first().textContent()).resolves.toBe('"acme nope"');
    await shot(page, 'editor-errors');

    await page.getByLabel('Definition (JSON)').fill(JSON.stringify(recipe('acme good'), null, 2));
    await page.waitForFunction("document.querySelectorAll('.cm-lintRange-error').length === 0");
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: `console acme ${mode}` }).waitFor();
    const listed = await cluster.call<{ items: { id: string; definition: { steps: { connection: string }[] } }[] }>(
      'GET',
      `/v1/recipes?name=${encodeURIComponent(`console acme ${mode}`)}`,
    );
    expect(listed.body.items).toHaveLength(1);
    expect(page.url()).toBe(`${consoleUrl}recipes/${listed.body.items[0].id}`);
    expect(watched.pageErrors).toEqual([]);
    expect(watched.cspViolations).toEqual([]);
  });

  it('a job failed by the third party (401) is rerun from the jobs list on the fixed version, which is shown', async () => {
    const watched = await open();
    const { page } = watched;
    const recipe = (connection: string) => ({
      name: `console rerun ${mode}`,
      trigger: { type: 'manual' },
      steps: [{ id: 'whoami', action: 'acme-e2e.me', connection, input: {} }],
    });
    const made = await cluster.call<{ id: string }>('POST', '/v1/recipes', recipe('acme bad'));
    expect(made.status).toBe(201);
    expect((await cluster.call('POST', `/v1/recipes/${made.body.id}/start`)).status).toBe(200);
    expect((await cluster.call('POST', `/v1/recipes/${made.body.id}/runs`, {})).status).toBe(202);
    const failed = await jobOf(cluster, made.body.id, 'failed');
    // the fix: version 2 uses the connection the third party accepts
    expect((await cluster.call('PUT', `/v1/recipes/${made.body.id}`, recipe('acme good'))).status).toBe(200);

    await signIn(page, `${consoleUrl}jobs?recipeId=${made.body.id}&status=failed`, cluster.apiKey);
    await page.getByRole('link', { name: failed }).waitFor();
    await page.getByLabel('Rerun on').selectOption('latest');
    await page.getByRole('button', { name: 'Rerun failed jobs' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rerun failed jobs' }).click();
    const reruns = page.getByRole('list', { name: 'Reruns' });
    await expect(reruns.getByRole('listitem').textContent()).resolves.toBe(`${failed} rerun on version 2 (ran on 1)`);
    await shot(page, 'jobs-rerun');

    await reruns.getByRole('link', { name: failed }).click();
    await page.getByRole('list', { name: 'Step timeline' }).getByText('succeeded').first().waitFor({ timeout: 20_000 });
    await page
      .getByRole('list', { name: 'Reruns' })
      .getByText(/version 2 \(ran on 1\), the latest/)
      .waitFor();
    const job = await cluster.call<{ status: string; recipeVersion: number }>('GET', `/v1/jobs/${failed}`);
    expect(job.body).toMatchObject({ status: 'succeeded', recipeVersion: 2 });
    expect(watched.pageErrors).toEqual([]);
    expect(watched.cspViolations).toEqual([]);
  });

  it('fits a 390 px wide phone screen: the connectors with the register form and a schema open, the dead letters and the jobs list', async () => {
    const { page } = await open();
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn(page, `${consoleUrl}connectors`, cluster.apiKey);
    await page.getByText('Register a declarative connector').click();
    const entry = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /^Acme \(e2e\) acme-e2e/ }) });
    await entry.getByText('Actions (1)').click();
    await entry.getByText('Input schema of me').click();
    await shot(page, 'narrow-connectors');
    await expect(page.evaluate('document.documentElement.scrollWidth')).resolves.toBe(390);
    for (const path of ['dead-letters', 'jobs?status=failed', 'connections']) {
      await page.goto(`${consoleUrl}${path}`);
      await page.locator('h1').waitFor();
      await page.getByText(/Loading/).waitFor({ state: 'detached' });
      await expect(page.evaluate('document.documentElement.scrollWidth')).resolves.toBe(390);
    }
  });
});
