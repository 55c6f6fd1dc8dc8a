import type { Browser } from 'playwright-core';
import { waitFor } from '@junction/shared/testing';
import { Cluster, RUN_MODES, type RunMode } from '../cluster-harness';
import { TriggerStreamAccess } from '../trigger-stream-access';
import { launchChromium, screenshotIn, signIn, watchedPage } from './browser';

// a secret-looking value in the event: shown redacted, never as itself
const EVENT_SECRET = 'hunter2-console-dlq-5b7e';

/**
 * The Dead letters page (issue #14) over the API of issue #16: an event that could not become a
 * job is listed with why and what it held (redacted), and an operator redrives it into a job; in
 * both modes, in Debian's chromium.
 */
describe.each(RUN_MODES)('web console (%s): dead letters', (mode: RunMode) => {
  const cluster = Cluster.inMode(mode);
  const below = new TriggerStreamAccess(cluster);
  let browser: Browser;
  let recipeId = '';
  let letterId = '';

  beforeAll(async () => {
    [browser] = await Promise.all([launchChromium(), cluster.start(['gateway', 'auth', 'connectors', 'executor', 'audit'])]);
    const created = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: `console dlq ${mode}`,
      trigger: { type: 'manual' },
      steps: [{ id: 'echo', set: { n: '{{ trigger.n }}' } }],
    });
    recipeId = created.body.id;
    expect((await cluster.call('POST', `/v1/recipes/${recipeId}/start`)).status).toBe(200);
    // an event the gateway would never publish (receivedAt is not an instant): dead-lettered as invalid
    await below.publishRaw(
      { workspaceId: cluster.workspaceId, recipeId, kind: 'manual', dedupeKey: 'console-raw-1', receivedAt: 'yesterday', data: { n: 'raw', password: EVENT_SECRET } },
      cluster.workspaceId,
    );
    letterId = await waitFor(async () => (await cluster.call<{ items: { id: string }[] }>('GET', '/v1/dead-letters?reason=invalid')).body.items[0]?.id, 30_000);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await cluster.stop();
  }, 60_000);

  it('lists the letter with why and its event redacted, and an operator redrives it into a job', async () => {
    const watched = await watchedPage(browser);
    const { page } = watched;
    await signIn(page, `${cluster.gatewayUrl}/console/`, cluster.apiKey);
    await page.getByRole('link', { name: 'Dead letters', exact: true }).click();
    await page.getByRole('heading', { name: 'Dead letters', exact: true }).waitFor();
    const row = page.getByRole('row').filter({ hasText: letterId });
    await row.getByText('Invalid event').waitFor();
    await row.getByText(`console dlq ${mode}`).waitFor();
    await row.getByText('Why, and the event').click();
    await row
      .getByText(/receivedAt/)
      .first()
      .waitFor();
    await row.getByText('Event (as received)').click();
    await row.locator('.redacted').waitFor();
    await expect(row.locator('.json-view pre').textContent()).resolves.toContain('"n": "raw"');
    await screenshotIn(mode)(page, 'dead-letters');

    await row.getByLabel(`Select ${letterId}`).check();
    await page.getByRole('button', { name: 'Redrive selected (1)' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Redrive', exact: true }).click();
    const outcomes = page.getByRole('status', { name: 'Redrive outcomes' });
    const job = outcomes.getByRole('link', { name: /^job_/ });
    await job.waitFor();
    const jobId = (await job.textContent()) ?? '';
    // the list follows: the letter is redriven, with its job
    await row.getByText('redriven').waitFor();
    await expect(row.getByLabel(`Select ${letterId}`).isDisabled()).resolves.toBe(true);

    await job.click();
    await page.getByRole('heading', { name: `Job ${jobId}` }).waitFor();
    const read = await waitFor(async () => {
      const one = await cluster.call<{ status: string; recipeId: string }>('GET', `/v1/jobs/${jobId}`);
      return one.body.status === 'succeeded' ? one.body : undefined;
    }, 20_000);
    expect(read.recipeId).toBe(recipeId);

    expect(await page.content()).not.toContain(EVENT_SECRET);
    expect(watched.pageErrors).toEqual([]);
    expect(watched.cspViolations).toEqual([]);
  });
});
