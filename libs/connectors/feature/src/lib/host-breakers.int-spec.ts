import { AddressPolicy, CircuitOpenError, FencedHttpClient } from '@junction/connector-sdk';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { HostBreakers } from './host-breakers';

describe('HostBreakers against a failing fake host', () => {
  const api = new FakeThirdParty();
  const states: string[] = [];
  let healthy = false;
  const inner = new FencedHttpClient({ policy: new AddressPolicy(['127.0.0.1']), timeoutMs: 1000 });
  const breakers = new HostBreakers(inner, { failures: 3, halfOpenAfterMs: 300, onStateChange: ({ state }) => states.push(state) });
  const http = breakers.forWorkspace('ws_a');

  beforeAll(async () => {
    await api.start();
    api.on('GET', '/flaky', () => (healthy ? { json: { ok: true } } : { status: 503, text: 'down' }));
  });

  afterAll(async () => {
    await api.close();
    await inner.close();
  });

  it('opens after consecutive failures, refuses without calling, half-opens, and closes on success', async () => {
    for (let i = 0; i < 3; i++) expect((await http.request({ method: 'GET', url: `${api.url}/flaky` })).status).toBe(503);
    const callsWhenOpened = api.requests.length;

    const refused = await http.request({ method: 'GET', url: `${api.url}/flaky` }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect((refused as CircuitOpenError).retryAfterMs).toBeGreaterThan(0);
    expect((refused as CircuitOpenError).retryAfterMs).toBeLessThanOrEqual(300);
    expect(api.requests.length).toBe(callsWhenOpened); // the host was left alone

    healthy = true;
    await new Promise((r) => setTimeout(r, 350));
    expect((await http.request({ method: 'GET', url: `${api.url}/flaky` })).status).toBe(200); // the half-open trial
    expect(states).toEqual(['open', 'half_open', 'closed']);
  });
});
