import { waitFor } from '@junction/shared/testing';
import { Cluster } from '../cluster-harness';
import { holdStream, readEvents } from '../sse-reader';

/** The job event stream as an attacker sees it: no other tenant's timeline, no anonymous stream, no flood of open streams. */
describe('GET /v1/jobs/:id/events under attack', () => {
  const cluster = new Cluster();
  let otherKey = '';
  let jobId = '';

  beforeAll(async () => {
    await cluster.start(['gateway', 'auth', 'connectors', 'executor']);
    otherKey = (await cluster.call<{ apiKey: { key: string } }>('POST', '/v1/workspaces', { name: 'attacker' }, cluster.rootToken)).body.apiKey.key;
    // a job that stays running (a long delay), so its streams stay open until it is cancelled
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', { name: 'long', trigger: { type: 'manual' }, steps: [{ id: 'wait', delay: '10m' }] });
    await cluster.call('POST', `/v1/recipes/${recipe.body.id}/start`);
    await cluster.call('POST', `/v1/recipes/${recipe.body.id}/runs`, {});
    await waitFor(async () => {
      jobId = (await cluster.call<{ items: { id: string }[] }>('GET', `/v1/jobs?recipeId=${recipe.body.id}`)).body.items[0]?.id ?? '';
      return jobId !== '';
    });
  }, 180_000);

  afterAll(() => cluster.stop(), 60_000);

  const url = () => `${cluster.gatewayUrl}/v1/jobs/${jobId}/events`;

  it("answers 404 for another tenant's job, with no event of it", async () => {
    const stolen = await readEvents(url(), otherKey, {}, 5_000);
    expect(stolen.status).toBe(404);
    expect(stolen.events).toEqual([]);
    // a Last-Event-ID changes nothing
    expect((await readEvents(url(), otherKey, { 'last-event-id': '0' }, 5_000)).status).toBe(404);
  });

  it('answers 401 without credentials or with a wrong key, before any event', async () => {
    for (const token of [undefined, 'jk_live_not-a-key', `${cluster.apiKey}x`]) {
      const anonymous = await readEvents(url(), token, {}, 5_000);
      expect([anonymous.status, anonymous.events]).toEqual([401, []]);
    }
  });

  it('admits at most 20 open streams per workspace (429 past it), serves other workspaces meanwhile, and frees slots when clients leave', async () => {
    const streams = await Promise.all(Array.from({ length: 100 }, () => holdStream(url(), cluster.apiKey)));
    try {
      const counts = streams.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s.status]: (acc[s.status] ?? 0) + 1 }), {});
      expect(counts).toEqual({ 200: 20, 429: 80 });
      // the cap is the workspace's own: another workspace is still answered (404 for this job, not 429)
      expect((await readEvents(url(), otherKey, {}, 5_000)).status).toBe(404);
    } finally {
      for (const s of streams) s.close();
    }
    // the server notices the closed sockets and gives the slots back
    await waitFor(async () => {
      const again = await holdStream(url(), cluster.apiKey);
      again.close();
      return again.status === 200;
    });
    expect((await cluster.call('POST', `/v1/jobs/${jobId}/cancel`)).status).toBe(200);
    const ended = await readEvents(url(), cluster.apiKey, {}, 15_000);
    expect(ended.events[ended.events.length - 1]).toMatchObject({ event: 'end', data: { status: 'cancelled' } });
  }, 60_000);
});
