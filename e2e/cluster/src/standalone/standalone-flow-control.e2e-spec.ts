import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { waitFor } from '@junction/shared/testing';
import { Cluster } from '../cluster-harness';

/**
 * Keyed flow control in the standalone process (the embedded Postgres queue brings the events; jobs
 * are claimed from Postgres as in the cluster): per-key concurrency and debounce through real webhooks.
 */
describe('standalone: keyed flow control', () => {
  const cluster = Cluster.inMode('standalone', undefined, { EXECUTOR_POLL_INTERVAL_MS: '100' });
  const sink = new FakeThirdParty();

  beforeAll(async () => {
    await sink.start();
    await cluster.start([]);
  }, 180_000);

  afterAll(async () => {
    await cluster.stop();
    await sink.close();
  }, 60_000);

  async function hookOf(name: string, path: string, settings: Record<string, unknown>): Promise<string> {
    const created = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name,
      trigger: { type: 'webhook' },
      steps: [{ id: 'call', action: 'http.request', input: { method: 'POST', url: `${sink.url}${path}`, body: '{{ trigger.body }}' } }],
      settings,
    });
    if (created.status !== 201) throw new Error(`recipe refused: ${created.status} ${JSON.stringify(created.body)}`);
    return cluster.startHook(created.body.id);
  }
  const send = async (hook: string, body: unknown) => {
    const answer = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(answer.status).toBe(202);
  };

  it('runs one job at a time per customer, customers side by side', async () => {
    for (const c of ['acme', 'globex']) sink.on('POST', `/sa-conc/${c}`, { delayMs: 200, json: { ok: true } });
    const hook = await hookOf('sa-per-customer', '/sa-conc/{{ trigger.body.customer }}', { concurrency: { limit: 1, key: '{{ trigger.body.customer }}' } });
    for (let i = 0; i < 5; i++) for (const customer of ['acme', 'globex']) await send(hook, { customer, i });
    await waitFor(async () => sink.requestsTo('/sa-conc/acme').length === 5 && sink.requestsTo('/sa-conc/globex').length === 5, 60_000, 200);
    expect(sink.concurrency('/sa-conc/acme').peak).toBe(1);
    expect(sink.concurrency('/sa-conc/globex').peak).toBe(1);
  }, 90_000);

  it('turns a burst of 50 webhooks for one key into one call with the last payload', async () => {
    sink.on('POST', '/sa-debounce', { json: { ok: true } });
    const hook = await hookOf('sa-debounced', '/sa-debounce', { debounce: { period: '1s', key: '{{ trigger.body.order }}' } });
    for (let seq = 1; seq <= 50; seq++) await send(hook, { order: 'o-1', seq });
    await waitFor(async () => sink.requestsTo('/sa-debounce').length > 0, 30_000, 100);
    await new Promise((r) => setTimeout(r, 2_000)); // nothing more comes
    expect(sink.requestsTo('/sa-debounce').map((q) => q.json)).toEqual([{ order: 'o-1', seq: 50 }]);
  }, 90_000);
});
