import autocannon from 'autocannon';
import type { Cluster } from '../../e2e/cluster/src/cluster-harness';
import type { Sink } from './sink';

export interface PipelineFigures {
  lowLoadLatencyMs: { p50: number; p99: number; samples: number };
  ingest: { seconds: number; connections: number; reqPerSec: number; p50Ms: number; p99Ms: number; accepted: number; non2xx: number; errors: number; timeouts: number };
  endToEnd: { jobsCompleted: number; seconds: number; jobsPerSec: number };
  cpuMsPerJob: number;
  /** The same CPU per job split by process group (services, Postgres, …). */
  cpuMsPerJobBy: Record<string, number>;
  /** The bench process itself (load generator, sink), ms per job: not the product's, shown beside it. */
  benchCpuMsPerJob: number;
  /** What `MeasureOptions.window` answered at the end of the measured window. */
  window?: unknown;
}

export interface MeasureOptions {
  ingestSeconds: number;
  connections: number;
  /** Which processes' CPU counts, by group; read before and after the load. */
  cpu: () => Promise<Record<string, number>>;
  /** Distinguishes this run's order ids from an earlier run's on the same sink. */
  prefix: string;
  /** Counters around the measured window (ingest load until every accepted job arrived): per-job figures. */
  window?: { start(): Promise<void>; end(jobs: number): Promise<unknown> };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Makes the spec recipe (webhook → map 4 fields → POST to the sink) and starts its hook. */
export async function startRecipe(cluster: Cluster, sink: Sink): Promise<string> {
  const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
    name: `bench: webhook → map → POST ${Date.now()}`,
    trigger: { type: 'webhook', dedupeHeader: 'x-id' },
    steps: [
      {
        id: 'map',
        set: { order: '{{ trigger.headers."x-id" }}', total: '{{ trigger.body.total }}', customer: '{{ trigger.body.customer.name }}', currency: '{{ trigger.body.currency }}' },
      },
      { id: 'post', action: 'http.request', input: { method: 'POST', url: sink.url, body: '{{ vars }}' } },
    ],
    settings: { concurrency: 200 },
  });
  if (recipe.status !== 201) throw new Error(`recipe: ${recipe.status} ${JSON.stringify(recipe.body)}`);
  return cluster.startHook(recipe.body.id);
}

/**
 * Trigger → done latency at low load, durable ingest under load, end-to-end completed jobs/s and
 * CPU per completed job, on one running cluster (either mode).
 */
export async function measurePipeline(hook: string, sink: Sink, options: MeasureOptions): Promise<PipelineFigures> {
  const { prefix } = options;
  const body = JSON.stringify({ total: 12.5, customer: { name: 'Ann' }, currency: 'EUR', note: 'x'.repeat(200) });
  const post = (id: string) => fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json', 'x-id': id }, body });

  // warm-up: JIT, pools, caches. A burst alone left the one-at-a-time path cold: the first
  // sequential deliveries took 60-150 ms and set the low-load p99 (260 ms instead of ~25 ms)
  const warmBefore = sink.arrived();
  await Promise.all(Array.from({ length: 50 }, (_, i) => post(`${prefix}warm-${i}`)));
  for (let i = 0; i < 100; i++) await post(`${prefix}warm-seq-${i}`);
  while (sink.arrived() - warmBefore < 150) await pause(50);

  // 1. trigger → done latency at low load: one delivery every 20 ms
  const sent = new Map<string, number>();
  for (let i = 0; i < 200; i++) {
    const id = `${prefix}lat-${i}`;
    sent.set(id, performance.now());
    const res = await post(id);
    if (res.status !== 202) throw new Error(`latency phase: ${res.status}`);
    await pause(20);
  }
  const deadline = Date.now() + 30_000;
  while ([...sent.keys()].some((id) => !sink.arrivals.has(id)) && Date.now() < deadline) await pause(20);
  const latencies = [...sent].map(([id, t]) => (sink.arrivals.get(id) ?? NaN) - t).sort((a, b) => a - b);

  // 2. durable ingest under load, 3. end-to-end jobs/s, 4. CPU per job
  await options.window?.start();
  const before = await options.cpu();
  const benchBefore = process.cpuUsage();
  const arrivedBefore = sink.arrived();
  let n = 0;
  const t0 = performance.now();
  const ingest = await autocannon({
    url: hook,
    connections: options.connections,
    duration: options.ingestSeconds,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'x-id': `${prefix}load-${n++}` } }) }],
  });
  const accepted = ingest['2xx'];
  while (sink.arrived() - arrivedBefore < accepted && performance.now() - t0 < 600_000) await pause(100);
  const e2eSeconds = (performance.now() - t0) / 1000;
  const done = sink.arrived() - arrivedBefore;
  const after = await options.cpu();
  const benchUsage = process.cpuUsage(benchBefore);
  const window = await options.window?.end(done);
  const cpuMsPerJobBy = Object.fromEntries(Object.keys(after).map((group) => [group, (after[group] - (before[group] ?? 0)) / Math.max(1, done)]));

  return {
    lowLoadLatencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), samples: latencies.length },
    ingest: {
      seconds: options.ingestSeconds,
      connections: options.connections,
      reqPerSec: ingest.requests.average,
      p50Ms: ingest.latency.p50,
      p99Ms: ingest.latency.p99,
      accepted,
      non2xx: ingest.non2xx,
      errors: ingest.errors,
      timeouts: ingest.timeouts,
    },
    endToEnd: { jobsCompleted: done, seconds: e2eSeconds, jobsPerSec: done / e2eSeconds },
    cpuMsPerJob: Object.values(cpuMsPerJobBy).reduce((a, b) => a + b, 0),
    cpuMsPerJobBy,
    benchCpuMsPerJob: (benchUsage.user + benchUsage.system) / 1000 / Math.max(1, done),
    window,
  };
}
