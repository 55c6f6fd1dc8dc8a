import { Cluster } from '../cluster-harness';

/** The cluster's gateway process serves the same console, found beside its own bundle (dist/apps/gateway → dist/apps/console). */
describe('web console (cluster): the gateway process serves /console', () => {
  const cluster = Cluster.inMode('cluster');

  beforeAll(async () => {
    await cluster.start(['gateway']);
  }, 60_000);

  afterAll(() => cluster.stop());

  it('answers index.html with the CSP at /console, /console/ and a client route, and hashed assets as immutable', async () => {
    const base = cluster.gatewayUrl;
    const bodies: string[] = [];
    for (const path of ['/console', '/console/', '/console/recipes/rcp_x']) {
      const res = await fetch(`${base}${path}`);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('cache-control')).toBe('no-cache');
      bodies.push((await res.text()).replace(/<meta name="csp-nonce"[^>]*>/, ''));
    }
    expect(new Set(bodies).size).toBe(1);
    const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(bodies[0])?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${base}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    // the API beside it still needs a key
    expect((await fetch(`${base}/v1/me`)).status).toBe(401);
  });
});
