import { AddressPolicy, CircuitOpenError, FencedHttpClient } from '@junction/connector-sdk';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { HostBreakers } from './host-breakers';

describe('HostBreakers: one tenant’s failures never open a host for another (hostile)', () => {
  const api = new FakeThirdParty();
  const inner = new FencedHttpClient({ policy: new AddressPolicy(['127.0.0.1']), timeoutMs: 1000 });

  beforeAll(async () => {
    await api.start();
    api.on('GET', '/down', { status: 503, text: 'down' }).on('GET', '/ok', { json: { ok: true } });
  });

  afterAll(async () => {
    await api.close();
    await inner.close();
  });

  it('workspace A failing on a host opens only A’s breaker: B’s calls to the same host go through', async () => {
    const breakers = new HostBreakers(inner, { failures: 3, halfOpenAfterMs: 60_000 });
    const a = breakers.forWorkspace('ws_attacker');
    const b = breakers.forWorkspace('ws_victim');
    for (let i = 0; i < 3; i++) expect((await a.request({ method: 'GET', url: `${api.url}/down` })).status).toBe(503);
    await expect(a.request({ method: 'GET', url: `${api.url}/ok` })).rejects.toBeInstanceOf(CircuitOpenError);

    const host = new URL(api.url).host;
    expect(breakers.state('ws_attacker', host)).toBe('open');
    const before = api.requests.length;
    expect((await b.request({ method: 'GET', url: `${api.url}/ok` })).status).toBe(200);
    expect(api.requests.length).toBe(before + 1);
    expect(breakers.state('ws_victim', host)).toBe('closed');
    expect(breakers.counts()).toEqual({ open: 1, half_open: 0, closed: 1 });
  });

  it('keeps the breaker map bounded whatever hosts a tenant names, forgetting closed breakers before open ones', async () => {
    const breakers = new HostBreakers(inner, { failures: 1, halfOpenAfterMs: 60_000, maxBreakers: 3 });
    const victim = breakers.forWorkspace('ws_victim');
    expect((await victim.request({ method: 'GET', url: `${api.url}/down` })).status).toBe(503); // victim's breaker opens
    const host = new URL(api.url).host;
    expect(breakers.state('ws_victim', host)).toBe('open');
    // a flood of distinct (workspace, host) pairs: each one a new breaker
    for (let i = 0; i < 50; i++) await breakers.forWorkspace(`ws_flood_${i}`).request({ method: 'GET', url: `${api.url}/ok` });
    expect(breakers.size).toBeLessThanOrEqual(3);
    // the open breaker outlived the closed ones that came after it
    expect(breakers.state('ws_victim', host)).toBe('open');
  });
});
