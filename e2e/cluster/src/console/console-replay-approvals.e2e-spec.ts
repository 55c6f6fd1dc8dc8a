import type { Browser, Page } from 'playwright-core';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { waitFor } from '@junction/shared/testing';
import { Cluster, RUN_MODES, type RunMode } from '../cluster-harness';
import { launchChromium, screenshotIn, signIn, watchedPage, type WatchedPage } from './browser';

const JOBS = 3;

/**
 * The replay and approvals screens (issue #16) over the real API, in both modes, in Debian's
 * chromium: a builder replays a recipe's recorded jobs on a new version from the versions view and
 * sees the changed field in each (the sink gets nothing, no job is written); an operator approves
 * a real approval from the Approvals page with a comment, the job goes on with that decision, and
 * the decided approval shows who decided; an auditor sees neither control. Both pages fit 390 px.
 */
describe.each(RUN_MODES)('web console (%s): replay and approvals', (mode: RunMode) => {
  const cluster = Cluster.inMode(mode);
  const sink = new FakeThirdParty();
  const shot = screenshotIn(mode);
  let browser: Browser;
  let consoleUrl = '';
  let replayRecipe = '';
  let approvalRecipe = '';
  let builderKey = '';
  let operatorKey = '';
  let auditorKey = '';

  // version 2 adds a mapping field (channel) that the call's body carries
  const orders = (channel?: string) => ({
    name: `console replay ${mode}`,
    trigger: { type: 'manual' },
    steps: [
      { id: 'map', set: { email: '{{ trigger.email }}', order: '{{ trigger.order }}', ...(channel ? { channel } : {}) } },
      {
        id: 'post',
        action: 'http.request',
        input: {
          method: 'POST',
          url: `${sink.url}/crm`,
          body: { email: '{{ steps.map.email }}', order: '{{ steps.map.order }}', ...(channel ? { channel: '{{ steps.map.channel }}' } : {}) },
        },
      },
    ],
  });
  const refund = {
    name: `console approval ${mode}`,
    trigger: { type: 'manual' },
    steps: [
      { id: 'manager', approval: { title: 'Refund {{ trigger.amount }} EUR to {{ trigger.customer }}?', description: 'Order {{ trigger.order }}', timeout: '10m' } },
      { id: 'after', set: { decision: '{{ steps.manager.decision }}', comment: '{{ steps.manager.comment }}' } },
    ],
  };

  const key = async (role: string) => {
    const made = await cluster.call<{ key: string }>('POST', '/v1/api-keys', { name: `console-${role}`, role });
    expect(made.status).toBe(201);
    return made.body.key;
  };
  const jobsOf = async (recipeId: string) => (await cluster.call<{ items: { id: string; status: string }[] }>('GET', `/v1/jobs?recipeId=${recipeId}&limit=100`)).body.items;
  const fitsNarrow = async (page: Page) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await expect(page.evaluate('document.documentElement.scrollWidth')).resolves.toBe(390);
    await page.setViewportSize({ width: 1280, height: 800 });
  };
  const clean = (watched: WatchedPage) => {
    expect(watched.pageErrors).toEqual([]);
    expect(watched.cspViolations).toEqual([]);
    expect(watched.dialogs).toEqual([]);
  };

  beforeAll(async () => {
    sink.on('POST', '/crm', { status: 200, json: { ok: true } });
    await sink.start();
    [browser] = await Promise.all([launchChromium(), cluster.start(['gateway', 'auth', 'connectors', 'executor', 'audit'])]);
    consoleUrl = `${cluster.gatewayUrl}/console/`;
    [builderKey, operatorKey, auditorKey] = [await key('builder'), await key('operator'), await key('auditor')];

    const made = await cluster.call<{ id: string }>('POST', '/v1/recipes', orders());
    expect(made.status).toBe(201);
    replayRecipe = made.body.id;
    expect((await cluster.call('POST', `/v1/recipes/${replayRecipe}/start`)).status).toBe(200);
    for (let i = 1; i <= JOBS; i += 1) expect((await cluster.call('POST', `/v1/recipes/${replayRecipe}/runs`, { email: `ada${i}@example.com`, order: `o-${i}` })).status).toBe(202);
    await waitFor(async () => ((await jobsOf(replayRecipe)).filter((j) => j.status === 'succeeded').length === JOBS ? true : undefined), 60_000);
    expect((await cluster.call('PUT', `/v1/recipes/${replayRecipe}`, orders('web'))).status).toBe(200);

    const approval = await cluster.call<{ id: string }>('POST', '/v1/recipes', refund);
    expect(approval.status).toBe(201);
    approvalRecipe = approval.body.id;
    expect((await cluster.call('POST', `/v1/recipes/${approvalRecipe}/start`)).status).toBe(200);
    expect((await cluster.call('POST', `/v1/recipes/${approvalRecipe}/runs`, { amount: 40, customer: 'ada', order: 'o-77' })).status).toBe(202);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await cluster.stop();
    await sink.close();
  }, 60_000);

  it('a builder replays the newest jobs on version 2 and sees the new field in each; nothing is sent, no job written', async () => {
    const sent = sink.requestsTo('/crm').length;
    expect(sent).toBe(JOBS);
    const watched = await watchedPage(browser);
    const { page } = watched;
    await signIn(page, `${consoleUrl}recipes/${replayRecipe}`, builderKey);
    const form = page.getByRole('form', { name: 'Replay' });
    await form.waitFor();
    await expect(form.getByLabel('Version to replay').inputValue()).resolves.toBe('2');
    await form.getByLabel('Newest jobs').fill(String(JOBS));
    await form.getByLabel('Status').selectOption('succeeded');
    await form.getByRole('button', { name: 'Replay' }).click();

    const summary = page.getByRole('status').filter({ hasText: 'Nothing was sent' });
    await summary.waitFor({ timeout: 60_000 });
    await expect(summary.textContent()).resolves.toBe(
      `Nothing was sent: no connection was called and no job was written. Version 2 over ${JOBS} jobs: ${JOBS} changed, ${JOBS} calls would be made anew.`,
    );
    const jobIds = (await jobsOf(replayRecipe)).map((j) => j.id);
    expect(jobIds).toHaveLength(JOBS);
    for (const jobId of jobIds) {
      const item = page.getByRole('listitem', { name: `Job ${jobId}` });
      await expect(item.getByLabel('Status before and after').textContent()).resolves.toBe('succeeded → succeeded');
      const steps = item.getByRole('table', { name: `Changed steps of ${jobId}` });
      // the mapping step's new field, and the call's body that carries it (called anew)
      await steps.getByRole('row').filter({ hasText: 'map' }).filter({ hasText: 'channel' }).getByText('"web"').waitFor();
      const post = steps.getByRole('row').filter({ hasText: 'body.channel' });
      await expect(post.textContent()).resolves.toContain('post (called anew)');
      await expect(post.getByText('absent').count()).resolves.toBe(1);
      await expect(item.getByRole('list', { name: `Calls anew of ${jobId}` }).textContent()).resolves.toContain(
        'post: http.request, its input changed; the replay went on with the recorded outcome.',
      );
      await item
        .getByRole('table', { name: `Output changes of ${jobId}` })
        .getByText('map.channel')
        .waitFor();
    }
    await summary.scrollIntoViewIfNeeded();
    await shot(page, 'replay');
    await fitsNarrow(page);

    // nothing reached the sink, and no job was written
    expect(sink.requestsTo('/crm')).toHaveLength(sent);
    expect(await jobsOf(replayRecipe)).toHaveLength(JOBS);
    clean(watched);
    await watched.context.close();
  }, 90_000);

  it('an operator approves a real approval with a comment after a confirmation; the job goes on with it and the approval shows who decided', async () => {
    const title = 'Refund 40 EUR to ada?';
    const pending = await waitFor(async () => {
      const list = await cluster.call<{ items: { id: string; jobId: string; title: string }[] }>('GET', '/v1/approvals?state=pending');
      return list.body.items.find((a) => a.title === title);
    }, 30_000);
    const watched = await watchedPage(browser);
    const { page } = watched;
    await signIn(page, consoleUrl, operatorKey);
    await page.getByRole('link', { name: 'Approvals', exact: true }).click();
    await page.getByRole('heading', { name: 'Approvals', exact: true }).waitFor();
    const row = page.getByRole('row').filter({ hasText: title });
    await row.getByText('Order o-77').waitFor();
    await row.getByText(`console approval ${mode}`).waitFor();
    await row.getByRole('link', { name: pending.jobId }).waitFor();
    await fitsNarrow(page);
    await shot(page, 'approvals');

    // Cancel decides nothing
    await row.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect((await cluster.call<{ state: string }>('GET', `/v1/approvals/${pending.id}`)).body.state).toBe('pending');

    await row.getByRole('button', { name: 'Approve' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.textContent()).resolves.toContain(`Approve “${title}”?`);
    await dialog.getByLabel('Comment (optional)').fill('fine by finance');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Approved: ${title}` })
      .waitFor();
    await page.getByText('No approvals are waiting.').waitFor();

    const job = await waitFor(async () => {
      const read = await cluster.call<{ status: string; steps: { stepKey: string; output?: unknown }[] }>('GET', `/v1/jobs/${pending.jobId}`);
      return read.body.status === 'succeeded' ? read.body : undefined;
    }, 30_000);
    expect(job.steps.find((s) => s.stepKey === 'after')?.output).toEqual({ decision: 'approved', comment: 'fine by finance' });
    const me = await cluster.call<{ id: string }>('GET', '/v1/me', undefined, operatorKey);
    expect((await cluster.call('GET', `/v1/approvals/${pending.id}`)).body).toMatchObject({
      state: 'decided',
      decision: 'approved',
      comment: 'fine by finance',
      decidedBy: { type: 'api_key', id: me.body.id },
    });

    await page.getByLabel('State').selectOption('decided');
    const decided = page.getByRole('row').filter({ hasText: title });
    await decided.getByText('approved').waitFor();
    await decided.getByText(`api_key:${me.body.id}`).waitFor();
    await decided.getByText('fine by finance').waitFor();
    await expect(decided.getByRole('button').count()).resolves.toBe(0);
    await shot(page, 'approvals-decided');
    clean(watched);
    await watched.context.close();
  }, 90_000);

  it('an auditor sees approvals and versions but no decide or replay control', async () => {
    const watched = await watchedPage(browser);
    const { page } = watched;
    await signIn(page, `${consoleUrl}approvals?state=all`, auditorKey);
    await page.getByRole('row').filter({ hasText: 'Refund 40 EUR to ada?' }).waitFor();
    await expect(page.getByRole('main').getByRole('button').count()).resolves.toBe(0);
    await page.goto(`${consoleUrl}recipes/${replayRecipe}`);
    await page.getByRole('table', { name: 'Versions' }).waitFor();
    await page.getByLabel('Changes from version 1 to version 2').waitFor();
    await expect(page.getByRole('form', { name: 'Replay' }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Replay' }).count()).resolves.toBe(0);
    clean(watched);
    await watched.context.close();
  }, 90_000);
});
