/**
 * Webhook → map 4 fields → HTTP POST to a local sink, through every real service, all on this
 * machine. Measures: trigger → done latency at low load, durable ingest (202) under load,
 * end-to-end completed jobs/s, CPU per job, and (with --standalone) idle memory and start → ready.
 *
 *   node -r @swc-node/register bench/pipeline/run.ts [ingestSeconds=10] [connections=32] [--runs=3] [--profile]
 *     [--shared-servers] [--cluster-env=KEY=VALUE,…] [--pg-setting=NAME=VALUE,…] [--out=pipeline-before.json]
 *   node -r @swc-node/register bench/pipeline/run.ts [ingestSeconds=10] [connections=32] --standalone [--runs=3]
 *     [--standalone-env=KEY=VALUE,…] [--standalone-only]   (experiments: variables for the standalone process; skip the cluster)
 *
 * Cluster (default): the six services as processes on a Postgres 15, NATS and Redis started for the
 * run alone (servers.ts; the machine's shared ones with a warning when a binary is missing, or with
 * --shared-servers): CPU per completed job of every process tree, Postgres statements, NATS messages
 * and Redis commands per job; `runs` times, a table of medians with min–max, and
 * bench/results/pipeline.json (or --out). --profile: a V8 CPU profile per service under
 * bench/results/profiles/ and the top 10 self-time functions of each printed (profiling costs CPU:
 * compare CPU per job of runs without it). --standalone: the same run in both modes side by side,
 * cluster and standalone alternating first `runs` times; prints medians with min–max and writes
 * bench/results/pipeline-standalone.json. Build first (`npm run build`, or the apps used:
 * gateway, auth, connectors, scheduler, executor, audit, standalone).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { runCluster, runStandalone, type ModeFigures, type RunOptions } from './modes';
import { topSelfTime, type ProfileTop } from './profile';
import { missingBinaries } from './servers';
import { startSink } from './sink';
import { clusterTable, SERVER_GROUPS, standaloneTable, type ClusterFigures } from './table';

const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flag = (name: string) => flags.find((f) => f === `--${name}` || f.startsWith(`--${name}=`));
/** `--name=K=V,K2=V2` as an object. */
const pairs = (name: string): Record<string, string> =>
  Object.fromEntries(
    (flag(name)?.slice(`--${name}=`.length) ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
const options: RunOptions = {
  ingestSeconds: Number(positional[0] ?? 10),
  connections: Number(positional[1] ?? 32),
  idleAfterMs: [5_000, 20_000],
  restarts: 2,
  prefix: '',
  standaloneEnv: pairs('standalone-env'),
  clusterEnv: pairs('cluster-env'),
  postgresSettings: pairs('pg-setting'),
};
/** Experiments: the standalone figures alone (the table's cluster column stays empty). */
const standaloneOnly = flag('standalone-only') !== undefined;
const runs = Number(flag('runs')?.split('=')[1] ?? 1);

function write(file: string, result: unknown): void {
  const out = join(__dirname, '../results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, file), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\nwrote bench/results/${file}\n`);
}

function printRows(rows: string[][]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i])).join('  |  ')}\n`);
}

/** CPU ms per job of every process of the product and its servers, from one run's figures. */
function cpuSplit(figures: ClusterFigures): { services: Record<string, number>; servers: Record<string, number> } {
  const services: Record<string, number> = {};
  const servers: Record<string, number> = {};
  for (const [group, ms] of Object.entries(figures.pipeline.cpuMsPerJobBy)) (SERVER_GROUPS.includes(group) ? servers : services)[group] = ms;
  return { services, servers };
}

async function clusterOnly(): Promise<void> {
  const missing = missingBinaries();
  const privateServers = !flag('shared-servers') && missing.length === 0;
  if (!privateServers && !flag('shared-servers')) {
    process.stderr.write(
      `WARNING: ${missing.join(', ')} missing: the cluster runs on the machine's shared servers; their CPU counts only the Postgres backends of its databases, and other work on them is mixed in\n`,
    );
  }
  const profileDir = flag('profile') ? join(__dirname, '../results/profiles', new Date().toISOString().replace(/[:.]/g, '-')) : undefined;
  const sink = await startSink();
  const results: { run: number; loadAverage: { before: number[]; after: number[] }; figures: ClusterFigures; profiles?: ProfileTop[] }[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      const before = loadavg().map((l) => Number(l.toFixed(2)));
      process.stdout.write(`run ${run}/${runs} (load average ${before.join(' ')})\n`);
      const runProfileDir = profileDir && join(profileDir, `run-${run}`);
      if (runProfileDir) {
        mkdirSync(runProfileDir, { recursive: true });
        process.env.JUNCTION_CPU_PROFILE_DIR = runProfileDir;
      }
      const figures = await runCluster(sink, { ...options, idleAfterMs: [2_000], prefix: `r${run}-`, privateServers });
      delete process.env.JUNCTION_CPU_PROFILE_DIR;
      const after = loadavg().map((l) => Number(l.toFixed(2)));
      const profiles = runProfileDir ? topSelfTime(runProfileDir, 10) : undefined;
      results.push({ run, loadAverage: { before, after }, figures, profiles });
      const { services, servers } = cpuSplit(figures);
      const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
      process.stdout.write(
        `  ${figures.pipeline.endToEnd.jobsPerSec.toFixed(0)} jobs/s, CPU/job ${(sum(services) + sum(servers)).toFixed(2)} ms (services ${sum(services).toFixed(2)}, servers ${sum(servers).toFixed(2)}), load after ${after.join(' ')}\n`,
      );
    }
  } finally {
    sink.close();
  }
  process.stdout.write('\n');
  printRows(clusterTable(results.map((r) => r.figures)));
  process.stdout.write(
    `\nload average (1/5/15 min) before → after each run: ${results.map((r) => `${r.loadAverage.before.join(' ')} → ${r.loadAverage.after.join(' ')}`).join('; ')}\n`,
  );
  for (const r of results.filter((x) => x.profiles)) {
    process.stdout.write(`\nrun ${r.run}: top 10 self-time functions per service (whole process life; ${profileDir})\n`);
    for (const p of r.profiles ?? []) {
      process.stdout.write(`  ${p.service} (${(p.busyMs / 1000).toFixed(1)} s busy of ${(p.totalMs / 1000).toFixed(1)} s sampled; % of busy)\n`);
      for (const f of p.top) process.stdout.write(`    ${f.selfMs.toFixed(0).padStart(7)} ms ${f.percent.toFixed(1).padStart(5)}%  ${f.name}  ${f.where}\n`);
    }
  }
  const perRun = results.map((r) => {
    const { services, servers } = cpuSplit(r.figures);
    return {
      run: r.run,
      loadAverage: r.loadAverage,
      servers: privateServers ? 'private' : 'shared',
      lowLoadLatencyMs: r.figures.pipeline.lowLoadLatencyMs,
      ingest: r.figures.pipeline.ingest,
      endToEnd: r.figures.pipeline.endToEnd,
      cpuMsPerJob: r.figures.pipeline.cpuMsPerJob,
      cpuMsPerJobServices: Object.values(services).reduce((a, b) => a + b, 0),
      cpuMsPerJobServers: Object.values(servers).reduce((a, b) => a + b, 0),
      cpuMsPerJobByProcess: r.figures.pipeline.cpuMsPerJobBy,
      benchProcessCpuMsPerJob: r.figures.pipeline.benchCpuMsPerJob,
      perJob: r.figures.servers,
      idleMemory: r.figures.idleMemory,
      idleMemoryAfterLoad: r.figures.idleMemoryAfterLoad,
      profiles: r.profiles,
    };
  });
  write(flag('out')?.split('=')[1] ?? 'pipeline.json', {
    machine: { cores: 2, node: process.version },
    options: { ingestSeconds: options.ingestSeconds, connections: options.connections, runs, clusterEnv: options.clusterEnv, postgresSettings: options.postgresSettings },
    summary: Object.fromEntries(
      clusterTable(results.map((r) => r.figures))
        .slice(1)
        .map(([measure, value]) => [measure, value]),
    ),
    runs: perRun,
  });
}

async function bothModes(): Promise<void> {
  const sink = await startSink();
  const results: { run: number; loadAverage: number[]; cluster?: ModeFigures; standalone: ModeFigures }[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      const loadAverage = loadavg().map((l) => Number(l.toFixed(2)));
      process.stdout.write(`run ${run}/${runs} (load average ${loadAverage.join(' ')})\n`);
      const each = { ...options, prefix: `r${run}-` };
      // alternate which mode goes first: the machine's load drifts
      const first = run % 2 === 1 ? 'cluster' : 'standalone';
      const figures: Partial<Record<'cluster' | 'standalone', ModeFigures>> = {};
      const order = first === 'cluster' ? (['cluster', 'standalone'] as const) : (['standalone', 'cluster'] as const);
      for (const mode of order.filter((m) => !standaloneOnly || m === 'standalone')) {
        figures[mode] = mode === 'cluster' ? await runCluster(sink, { ...each, prefix: `${each.prefix}c-` }) : await runStandalone(sink, { ...each, prefix: `${each.prefix}s-` });
      }
      results.push({ run, loadAverage, cluster: figures.cluster, standalone: figures.standalone as ModeFigures });
    }
  } finally {
    sink.close();
  }
  process.stdout.write('\n');
  printRows(standaloneTable(results));
  write('pipeline-standalone.json', {
    machine: { cores: 2, node: process.version },
    options: {
      ingestSeconds: options.ingestSeconds,
      connections: options.connections,
      idleAfterMs: options.idleAfterMs,
      restarts: options.restarts,
      standaloneEnv: options.standaloneEnv,
    },
    runs: results,
  });
}

(flag('standalone') ? bothModes() : clusterOnly()).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
