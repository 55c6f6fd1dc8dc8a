/**
 * Webhook → map 4 fields → HTTP POST to a local sink, through every real service, all on this
 * machine. Measures: trigger → done latency at low load, durable ingest (202) under load,
 * end-to-end completed jobs/s, CPU per job, and (with --standalone) idle memory and start → ready.
 *
 *   node -r @swc-node/register bench/pipeline/run.ts [ingestSeconds=10] [connections=32]
 *   node -r @swc-node/register bench/pipeline/run.ts [ingestSeconds=10] [connections=32] --standalone [--runs=3]
 *     [--standalone-env=KEY=VALUE,…] [--standalone-only]   (experiments: variables for the standalone process; skip the cluster)
 *
 * Cluster (default): four services on the local Postgres, Redis and NATS; prints a table and writes
 * bench/results/pipeline.json. --standalone: the same run in both modes side by side, cluster and
 * standalone alternating first `runs` times; prints medians with min–max and writes
 * bench/results/pipeline-standalone.json. Build first (`npm run build`, or the apps used:
 * gateway, auth, connectors, executor, standalone).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { runCluster, runStandalone, type ModeFigures, type RunOptions } from './modes';
import { startSink } from './sink';
import { standaloneTable } from './table';

const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flag = (name: string) => flags.find((f) => f === `--${name}` || f.startsWith(`--${name}=`));
const options: RunOptions = {
  ingestSeconds: Number(positional[0] ?? 10),
  connections: Number(positional[1] ?? 32),
  idleAfterMs: [5_000, 20_000],
  restarts: 2,
  prefix: '',
  standaloneEnv: Object.fromEntries(
    (flag('standalone-env')?.slice('--standalone-env='.length) ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  ),
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

async function clusterOnly(): Promise<void> {
  const sink = await startSink();
  try {
    const { pipeline } = await runCluster(sink, options);
    const { 'postgres backends': backends, ...byService } = pipeline.cpuMsPerJobBy;
    const servicesCpu = Object.values(byService).reduce((a, b) => a + b, 0);
    const result = {
      machine: { cores: 2, node: process.version },
      lowLoadLatencyMs: pipeline.lowLoadLatencyMs,
      ingest: pipeline.ingest,
      endToEnd: pipeline.endToEnd,
      cpuMsPerJob: servicesCpu,
      cpuMsPerJobByService: byService,
      postgresBackendsCpuMsPerJob: backends,
    };
    process.stdout.write('\n');
    printRows([
      ['measure', 'result', 'goal'],
      ['trigger → done p50 / p99 (low load)', `${pipeline.lowLoadLatencyMs.p50.toFixed(1)} / ${pipeline.lowLoadLatencyMs.p99.toFixed(1)} ms`, 'p50 ≤ 10 ms, p99 ≤ 50 ms'],
      [
        'webhook ingest, durable 202',
        `${pipeline.ingest.reqPerSec.toFixed(0)} req/s (p50 ${pipeline.ingest.p50Ms} ms, p99 ${pipeline.ingest.p99Ms} ms, non-2xx ${pipeline.ingest.non2xx})`,
        '≥ 10,000 req/s',
      ],
      [
        'end-to-end completed jobs',
        `${pipeline.endToEnd.jobsPerSec.toFixed(0)} jobs/s (${pipeline.endToEnd.jobsCompleted} jobs in ${pipeline.endToEnd.seconds.toFixed(1)} s)`,
        '≥ 2,000 jobs/s',
      ],
      [
        'CPU per completed job, all services',
        `${servicesCpu.toFixed(2)} ms (${Object.entries(byService)
          .map(([n, ms]) => `${n} ${ms.toFixed(2)}`)
          .join(', ')}); their Postgres backends ${backends.toFixed(2)} ms`,
        '≤ 0.5 ms',
      ],
    ]);
    write('pipeline.json', result);
  } finally {
    sink.close();
  }
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
