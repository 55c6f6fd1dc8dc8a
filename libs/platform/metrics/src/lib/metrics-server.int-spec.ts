import { ServiceMetrics } from './service-metrics';
import { startMetricsServer, type MetricsServer } from './metrics-server';

describe('metrics server (METRICS_PORT)', () => {
  const gateway = new ServiceMetrics('gateway', { defaultMetrics: false });
  const executor = new ServiceMetrics('executor', { defaultMetrics: false });
  let server: MetricsServer;

  beforeAll(async () => {
    server = await startMetricsServer({ port: 0, host: '127.0.0.1', registries: () => [gateway.registry, executor.registry] });
  });
  afterAll(() => server.close());

  it('serves the registries of several services as one exposition, each series labelled by its service', async () => {
    gateway.messagesPublished.inc({ subject: 'a.b.v1', outcome: 'stored' });
    executor.messagesPublished.inc({ subject: 'a.b.v1', outcome: 'stored' }, 2);
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    // one HELP/TYPE per name, as Prometheus requires of one exposition
    expect(text.match(/^# TYPE junction_queue_published_total counter$/gm)).toHaveLength(1);
    expect(text).toContain('junction_queue_published_total{subject="a.b.v1",outcome="stored",service="gateway"} 1');
    expect(text).toContain('junction_queue_published_total{subject="a.b.v1",outcome="stored",service="executor"} 2');
  });

  it('answers 404 on every other path and method', async () => {
    expect((await fetch(server.url.replace('/metrics', '/'))).status).toBe(404);
    expect((await fetch(server.url.replace('/metrics', '/v1/jobs'))).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(404);
  });

  it('reads queue depth and age at the scrape; a probe that fails leaves no sample', async () => {
    const stop = gateway.watchQueue('JOBS', 'executor', async () => ({ depth: 7, oldestAgeSeconds: 12.5 }));
    gateway.watchQueue('AUDIT', 'audit-store', async () => {
      throw new Error('server away');
    });
    const text = await (await fetch(server.url)).text();
    expect(text).toContain('junction_queue_depth{stream="JOBS",consumer="executor",service="gateway"} 7');
    expect(text).toContain('junction_queue_oldest_age_seconds{stream="JOBS",consumer="executor",service="gateway"} 12.5');
    expect(text).not.toMatch(/junction_queue_depth\{stream="AUDIT"/);
    stop();
    expect(await (await fetch(server.url)).text()).not.toMatch(/junction_queue_depth\{stream="JOBS"/);
  });

  it('reports readiness per dependency and overall', async () => {
    executor.watchReadiness(async () => [
      { dependency: 'database', up: true },
      { dependency: 'nats', up: false },
    ]);
    const text = await (await fetch(server.url)).text();
    expect(text).toContain('junction_dependency_up{dependency="database",service="executor"} 1');
    expect(text).toContain('junction_dependency_up{dependency="nats",service="executor"} 0');
    expect(text).toContain('junction_ready{service="executor"} 0');
  });

  it('names every series junction_', async () => {
    const all = new ServiceMetrics('auth');
    const names = (await all.registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((n) => !n.startsWith('junction_'))).toEqual([]);
  });
});
