/**
 * Durable webhook accepts alone: the gateway answering `202` (stored in JetStream) with nothing
 * consuming the stream, so the figure is what ingress costs and not what the jobs behind it cost.
 * The cluster's services run on private servers (servers.ts); the spec recipe's hook is started and
 * warmed, then the executor is stopped (the gateway keeps the hook for the run: HOOK_CACHE_TTL_MS is
 * set long) and autocannon posts for `seconds`. Reports accepts/s and CPU ms per accept of the
 * gateway, NATS and the load generator (this process), each run and medians with min–max.
 *
 *   node -r @swc-node/register bench/pipeline/ingest.ts [seconds=10] [connections=32] [--runs=3]
 *     [--profile] [--cluster-env=KEY=VALUE,…] [--out=ingest.json]
 *
 * --profile: the gateway's V8 CPU profile, top 15 self-time functions printed (profiling costs CPU).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Cluster } from '../../e2e/cluster/src/cluster-harness';
import { TEST_SERVERS } from '@junction/shared/testing';
import { cpuMs, processTree } from './process-tree';
import { topSelfTime } from './profile';
import { startPrivateServers } from './servers';
import { startRecipe } from './measure';
import { startSink } from './sink';

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
const positional = args.filter((a) => !a.startsWith('--'));
const seconds = Number(positional[0] ?? 10);
const connections = Number(positional[1] ?? 32);
const runs = Number(flag('runs')?.split('=')[1] ?? 3);
const clusterEnv = Object.fromEntries(
  (flag('cluster-env')?.slice('--cluster-env='.length) ?? '')
    .split(',')
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);

interface IngestRun {
  acceptsPerSec: number;
  accepted: number;
  non2xx: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerAccept: { gateway: number; nats: number; loadGenerator: number };
}

async function once(run: number, profileDir?: string): Promise<IngestRun> {
  const servers = await startPrivateServers();
  const shared = { ...TEST_SERVERS };
  Object.assign(TEST_SERVERS, servers.urls);
  const sink = await startSink();
  if (profileDir) process.env.JUNCTION_CPU_PROFILE_DIR = profileDir;
  const cluster = new Cluster(undefined, { HTTP_ACCESS_LOG: 'false', HOOK_CACHE_TTL_MS: '60000', ...clusterEnv });
  try {
    await cluster.start(['gateway', 'auth', 'connectors', 'executor']);
    delete process.env.JUNCTION_CPU_PROFILE_DIR;
    const hook = await startRecipe(cluster, sink);
    const body = JSON.stringify({ total: 12.5, customer: { name: 'Ann' }, currency: 'EUR', note: 'x'.repeat(200) });
    for (let i = 0; i < 300; i++) {
      const res = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json', 'x-id': `warm-${i}` }, body });
      if (res.status !== 202) throw new Error(`warm-up: ${res.status}`);
    }
    // nothing consumes the stream from here on: the run measures ingress alone
    await cluster.services.get('executor')?.stop();
    const gatewayPid = cluster.services.get('gateway')?.child.pid ?? 0;
    const cpu = () => ({ gateway: cpuMs(processTree(gatewayPid)), nats: cpuMs([servers.pids.nats]) });
    const before = cpu();
    const bench = process.cpuUsage();
    let n = 0;
    const result = await autocannon({
      url: hook,
      connections,
      duration: seconds,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'x-id': `r${run}-load-${n++}` } }) }],
    });
    const after = cpu();
    const benchUsage = process.cpuUsage(bench);
    const accepted = result['2xx'];
    const per = (ms: number) => ms / Math.max(1, accepted);
    return {
      acceptsPerSec: accepted / seconds,
      accepted,
      non2xx: result.non2xx,
      errors: result.errors,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      cpuMsPerAccept: {
        gateway: per(after.gateway - before.gateway),
        nats: per(after.nats - before.nats),
        loadGenerator: per((benchUsage.user + benchUsage.system) / 1000),
      },
    };
  } finally {
    await cluster.stop();
    sink.close();
    Object.assign(TEST_SERVERS, shared);
    await servers.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs: number[], digits: number) => `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

async function main(): Promise<void> {
  const profileRoot = flag('profile') ? join(__dirname, '../results/profiles', `ingest-${new Date().toISOString().replace(/[:.]/g, '-')}`) : undefined;
  const results: IngestRun[] = [];
  for (let run = 1; run <= runs; run++) {
    const dir = profileRoot && join(profileRoot, `run-${run}`);
    if (dir) mkdirSync(dir, { recursive: true });
    const r = await once(run, dir);
    results.push(r);
    const c = r.cpuMsPerAccept;
    process.stdout.write(
      `run ${run}: ${r.acceptsPerSec.toFixed(0)} accepts/s (non-2xx ${r.non2xx}, errors ${r.errors}, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms); CPU ms/accept gateway ${c.gateway.toFixed(3)}, NATS ${c.nats.toFixed(3)}, load generator ${c.loadGenerator.toFixed(3)}\n`,
    );
    if (dir) {
      for (const p of topSelfTime(dir, 15).filter((x) => x.service === 'gateway')) {
        process.stdout.write(`  gateway profile (${(p.busyMs / 1000).toFixed(1)} s busy; % of busy)\n`);
        for (const f of p.top) process.stdout.write(`    ${f.selfMs.toFixed(0).padStart(7)} ms ${f.percent.toFixed(1).padStart(5)}%  ${f.name}  ${f.where}\n`);
      }
    }
  }
  const pick = (f: (r: IngestRun) => number, digits: number) => spread(results.map(f), digits);
  process.stdout.write(
    `\nmedian (min–max) of ${runs}: ${pick((r) => r.acceptsPerSec, 0)} accepts/s; CPU ms/accept gateway ${pick((r) => r.cpuMsPerAccept.gateway, 3)}, NATS ${pick((r) => r.cpuMsPerAccept.nats, 3)}, load generator ${pick((r) => r.cpuMsPerAccept.loadGenerator, 3)}\n`,
  );
  const out = flag('out')?.split('=')[1];
  if (out) {
    const dir = join(__dirname, '../results');
    mkdirSync(join(dir, out, '..'), { recursive: true });
    writeFileSync(join(dir, out), `${JSON.stringify({ seconds, connections, clusterEnv, runs: results }, null, 2)}\n`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
