import type { Browser } from 'playwright-core';
import { Cluster, RUN_MODES, type RunMode } from '../cluster-harness';
import { launchChromium, screenshotIn, signIn, watchedPage } from './browser';

// an API run's trigger is the payload itself (a webhook's has body, headers, …)
const definition = (tag: string) => ({ name: 'console versions', trigger: { type: 'manual' }, steps: [{ id: 'tag', set: { tag, n: '{{ trigger.n }}' } }] });

/** The recipe page's versions (list, diff, start one: a rollback) and its test run, in Debian's chromium (issue #14). */
describe.each(RUN_MODES)('web console (%s): recipe versions, diff, rollback and test run', (mode: RunMode) => {
  const cluster = Cluster.inMode(mode);
  const shot = screenshotIn(mode);
  let browser: Browser;
  let consoleUrl = '';
  let recipeId = '';

  beforeAll(async () => {
    [browser] = await Promise.all([launchChromium(), cluster.start(['gateway', 'auth', 'connectors', 'scheduler', 'executor', 'audit'])]);
    consoleUrl = `${cluster.gatewayUrl}/console/`;
    const made = await cluster.call<{ id: string }>('POST', '/v1/recipes', definition('one'));
    expect(made.status).toBe(201);
    recipeId = made.body.id;
    for (const tag of ['two', 'three']) expect((await cluster.call('PUT', `/v1/recipes/${recipeId}`, definition(tag))).status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await cluster.stop();
  }, 60_000);

  it('lists the versions, diffs any two, starts version 1 after a confirmation, and a test run opens its job on version 1', async () => {
    const watched = await watchedPage(browser);
    const { page } = watched;
    await signIn(page, `${consoleUrl}recipes/${recipeId}`, cluster.apiKey);
    const versions = page.getByRole('table', { name: 'Versions' });
    await versions.waitFor();
    await expect(versions.getByRole('row').count()).resolves.toBe(4); // the header and three versions
    const me = await cluster.call<{ id: string }>('GET', '/v1/me');
    await expect(versions.getByText(me.body.id).count()).resolves.toBe(3); // who made each version: the key's id

    // the newest two at first, then any two (stored definitions come back with their keys sorted)
    const diff = page.getByLabel('Changes from version 2 to version 3');
    await diff.waitFor();
    await expect(diff.locator('.diff-removed').allTextContents()).resolves.toEqual(['-         "tag": "two"\n']);
    await expect(diff.locator('.diff-added').allTextContents()).resolves.toEqual(['+         "tag": "three"\n']);
    await page.getByLabel('From', { exact: true }).selectOption('1');
    const older = page.getByLabel('Changes from version 1 to version 3');
    await older.waitFor();
    await expect(older.locator('.diff-removed').textContent()).resolves.toContain('"tag": "one"');
    await shot(page, 'recipe-versions');

    // a rollback asks first: Cancel does nothing
    const first = versions.getByRole('row').filter({ has: page.getByRole('cell', { name: '1', exact: true }) });
    await first.getByRole('button', { name: 'Start version 1' }).click();
    await expect(page.getByRole('dialog').textContent()).resolves.toContain('back to version 1');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect((await cluster.call<{ state: string }>('GET', `/v1/recipes/${recipeId}`)).body.state).toBe('stopped');
    await first.getByRole('button', { name: 'Start version 1' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Start this version' }).click();
    await page.getByText('Running version 1.').waitFor();
    await first.getByText('running').waitFor();
    await expect(first.getByRole('button').count()).resolves.toBe(0);
    expect((await cluster.call('GET', `/v1/recipes/${recipeId}`)).body).toMatchObject({ state: 'running', version: 3, activeVersion: 1 });

    // a payload that is not JSON is refused here; a good one runs and opens the job
    await page.getByLabel('Sample payload (JSON)').fill('{ n: ');
    await page.getByRole('button', { name: 'Run test' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Not valid JSON');
    await page.getByLabel('Sample payload (JSON)').fill('{ "n": 7 }');
    await page.getByRole('button', { name: 'Run test' }).click();
    await page.waitForURL(/\/console\/jobs\/job_[0-9A-Z]{26}$/);
    const jobId = page.url().split('/').pop() ?? '';
    const timeline = page.getByRole('list', { name: 'Step timeline' });
    await timeline.getByText('tag', { exact: true }).waitFor();
    await page.locator('.facts').getByText('succeeded').waitFor();
    const job = await cluster.call<{ recipeVersion: number; status: string; steps: { output?: unknown }[] }>('GET', `/v1/jobs/${jobId}`);
    expect(job.body).toMatchObject({ recipeVersion: 1, status: 'succeeded' });
    expect(job.body.steps[0].output).toMatchObject({ tag: 'one', n: 7 });

    expect(watched.pageErrors).toEqual([]);
    expect(watched.cspViolations).toEqual([]);
    expect(watched.dialogs).toEqual([]);
    await watched.context.close();
  });

  it('an auditor sees the versions and their diff but no start button and no test run', async () => {
    const created = await cluster.call<{ key: string }>('POST', '/v1/api-keys', { name: 'versions-auditor', role: 'auditor' });
    expect(created.status).toBe(201);
    const watched = await watchedPage(browser);
    const { page } = watched;
    await signIn(page, `${consoleUrl}recipes/${recipeId}`, created.body.key);
    const versions = page.getByRole('table', { name: 'Versions' });
    await versions.waitFor();
    await page.getByLabel('Changes from version 2 to version 3').waitFor();
    await expect(versions.getByRole('button').count()).resolves.toBe(0);
    await expect(page.getByRole('heading', { name: 'Test run' }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Run test' }).count()).resolves.toBe(0);
    expect(watched.pageErrors).toEqual([]);
    await watched.context.close();
  });
});
