import { TEST_SERVERS, TcpProxy, dropNatsNamespace, startServiceProcess, uniqueNamespace, waitFor, type ServiceProcess } from '@junction/shared/testing';
import { dropDatabase } from '@junction/platform/database';

const SERVICES = ['gateway', 'auth', 'connectors', 'scheduler', 'executor', 'audit'] as const;

async function readiness(service: ServiceProcess): Promise<{ status: number; body: { details?: Record<string, { status: string }> } }> {
  const res = await fetch(`${service.url}/health/ready`);
  return { status: res.status, body: (await res.json()) as { details?: Record<string, { status: string }> } };
}

/**
 * Every service reports unready while NATS is unreachable and ready again when it is back. The
 * outage is a proxy in front of the shared NATS server that the test cuts and restores.
 */
describe('readiness follows NATS availability, for every service', () => {
  const namespace = uniqueNamespace('e2e_ready');
  const proxy = new TcpProxy('127.0.0.1', Number(new URL(TEST_SERVERS.nats).port || 4222));
  const running: ServiceProcess[] = [];

  beforeAll(async () => {
    const port = await proxy.start();
    const env = {
      JUNCTION_NAMESPACE: namespace,
      NATS_URL: `nats://127.0.0.1:${port}`,
      REDIS_URL: TEST_SERVERS.redis,
      DATABASE_URL: TEST_SERVERS.postgres,
    };
    // two at a time: six Nest boots at once crowd a 2-core machine
    for (let i = 0; i < SERVICES.length; i += 2) {
      running.push(...(await Promise.all(SERVICES.slice(i, i + 2).map((name) => startServiceProcess(name, env)))));
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
    await proxy.stop();
    await Promise.all(SERVICES.filter((s) => s !== 'gateway').map((s) => dropDatabase(TEST_SERVERS.postgres, `${namespace}_${s}`)));
    await dropNatsNamespace(TEST_SERVERS.nats, namespace);
  }, 60_000);

  it('is live and ready when every dependency answers', async () => {
    for (const service of running) {
      expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
      const ready = await readiness(service);
      expect({ service: service.name, status: ready.status }).toEqual({ service: service.name, status: 200 });
      expect(ready.body.details?.nats?.status).toBe('up');
    }
  });

  it('turns unready (503) when NATS is unreachable, and ready again when it is back', async () => {
    await proxy.cut();
    for (const service of running) {
      const down = await waitFor(async () => {
        const r = await readiness(service);
        return r.status === 503 ? r : undefined;
      }, 15_000);
      expect(down.body.details?.nats?.status).toBe('down');
      expect(down.body.details?.redis?.status).toBe('up'); // only the cut dependency is blamed
      expect((await fetch(`${service.url}/health/live`)).status).toBe(200); // alive, just not ready
    }
    await proxy.restore();
    for (const service of running) {
      await waitFor(async () => (await readiness(service)).status === 200, 20_000);
    }
  }, 120_000);

  it('names the dependencies each service waits on', async () => {
    const gateway = running.find((s) => s.name === 'gateway');
    const auth = running.find((s) => s.name === 'auth');
    if (!gateway || !auth) throw new Error('services missing');
    expect(Object.keys((await readiness(gateway)).body.details ?? {}).sort()).toEqual(['nats', 'redis']); // the gateway owns no database
    expect(Object.keys((await readiness(auth)).body.details ?? {}).sort()).toEqual(['database', 'nats', 'redis']);
  });
});
