import { TEST_SERVERS, TcpProxy, dropNatsNamespace, startServiceProcess, uniqueNamespace, waitFor, type ServiceProcess } from '@junction/shared/testing';
import { Cluster } from '../cluster-harness';
import { rawRequest } from './raw-http';

/**
 * What the public port tells strangers, and what the logs keep (issue #10 class 7): readiness
 * says up or down per dependency and nothing about why; access logs carry paths, never the query
 * strings that hold OAuth codes and states.
 */
describe('the public port discloses no dependency detail and the logs no query secret', () => {
  describe('readiness with a dependency down', () => {
    const namespace = uniqueNamespace('e2e_disclose');
    const redis = new URL(TEST_SERVERS.redis);
    const proxy = new TcpProxy(redis.hostname, Number(redis.port || 6379));
    let gateway: ServiceProcess;
    let proxyPort = 0;

    beforeAll(async () => {
      proxyPort = await proxy.start();
      gateway = await startServiceProcess('gateway', {
        JUNCTION_NAMESPACE: namespace,
        NATS_URL: TEST_SERVERS.nats,
        REDIS_URL: `redis://127.0.0.1:${proxyPort}`,
        DATABASE_URL: TEST_SERVERS.postgres,
      });
    }, 60_000);

    afterAll(async () => {
      await gateway?.stop();
      await proxy.stop();
      await dropNatsNamespace(TEST_SERVERS.nats, namespace);
    }, 30_000);

    it('answers 503 with up/down per dependency only, and logs the reason for operators', async () => {
      await proxy.cut();
      const down = await waitFor(async () => {
        const reply = await rawRequest(gateway.url, { method: 'GET', target: '/health/ready' });
        return reply.status === 503 ? reply : undefined;
      }, 15_000);
      const body = JSON.parse(down.body) as { details: Record<string, Record<string, unknown>> };
      expect(body.details).toEqual({ nats: { status: 'up' }, redis: { status: 'down' } });
      // nothing about the cause: no address, port, error code or driver message
      expect(down.body).not.toContain(String(proxyPort));
      expect(down.body).not.toMatch(/127\.0\.0\.1|ECONN|timed? ?out|refused|closed|error:|message/i);
      const logged = await waitFor(async () => gateway.output.find((line) => line.includes('redis (readiness)') && line.includes('"level":"warn"')), 10_000);
      expect(logged).toBeDefined();
      await proxy.restore();
      await waitFor(async () => (await rawRequest(gateway.url, { method: 'GET', target: '/health/ready' })).status === 200, 20_000);
    });
  });

  describe('access logs', () => {
    const cluster = new Cluster();

    beforeAll(async () => {
      await cluster.start(['gateway', 'auth']);
    }, 120_000);

    afterAll(async () => {
      await cluster.stop();
    }, 60_000);

    it('logs the OAuth callback (and every route) by its path, without the code and state of the query', async () => {
      const code = `code-canary-${Date.now()}`;
      const state = `state-canary-${Date.now()}`;
      const callback = await rawRequest(cluster.gatewayUrl, { method: 'GET', target: `/v1/oauth/callback?code=${code}&state=${state}` });
      expect(callback.status).toBeGreaterThanOrEqual(400);
      expect(callback.status).toBeLessThan(500);
      const denied = await rawRequest(cluster.gatewayUrl, { method: 'GET', target: `/v1/oauth/callback?error=access_denied&state=${state}` });
      expect(denied.status).toBe(400);
      const listed = await rawRequest(cluster.gatewayUrl, {
        method: 'GET',
        target: `/v1/connections?limit=5&cursor=${code}`,
        headers: { authorization: `Bearer ${cluster.apiKey}` },
      });
      expect(listed.status).toBe(400);
      const gateway = cluster.services.get('gateway');
      if (!gateway) throw new Error('no gateway');
      // access lines are written asynchronously: wait for all three
      const accessLines = await waitFor(async () => {
        const callbacks = gateway.output.filter((line) => line.includes('"url":"/v1/oauth/callback"'));
        const lists = gateway.output.filter((line) => line.includes('"url":"/v1/connections"'));
        return callbacks.length >= 2 && lists.length >= 1 ? [...callbacks, ...lists] : undefined;
      }, 15_000);
      expect(accessLines.length).toBeGreaterThanOrEqual(3);
      const everything = [...gateway.output, ...(cluster.services.get('auth')?.output ?? [])].join('\n');
      expect(everything).not.toContain(code);
      expect(everything).not.toContain(state);
    });
  });
});
