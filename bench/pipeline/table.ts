import type { ClusterFigures, MemoryFigures, ModeFigures } from './modes';

export type { ClusterFigures };

/** CPU groups that are servers (private Postgres, NATS, Redis; or the shared Postgres's backends), not services. */
export const SERVER_GROUPS = ['postgres', 'nats', 'redis', 'postgres backends'];

type Run = { cluster?: ModeFigures; standalone: ModeFigures };

/** `median (min–max)` over the runs, or the one value. */
function spread(values: number[], digits: number, unit = ''): string {
  const sorted = [...values].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return 'n/a';
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  const f = (v: number) => v.toFixed(digits);
  return sorted.length === 1 ? `${f(median)}${unit}` : `${f(median)}${unit} (${f(sorted[0])}–${f(sorted[sorted.length - 1])})`;
}

function memoryDetail(m: MemoryFigures): string {
  return Object.entries(m.byKind)
    .map(([kind, k]) => `${kind} ×${k.count} ${k.rssMb.toFixed(0)}/${k.pssMb.toFixed(0)}`)
    .join(', ');
}

function cpuDetail(f: ModeFigures): string {
  return Object.entries(f.pipeline.cpuMsPerJobBy)
    .map(([group, ms]) => `${group} ${ms.toFixed(2)}`)
    .join(', ');
}

/** Rows: measure | standalone | cluster | standalone target. Medians with min–max over the runs. */
export function standaloneTable(runs: Run[]): string[][] {
  const clusters = runs.flatMap((r) => (r.cluster ? [r.cluster] : []));
  const both = (pick: (f: ModeFigures) => number, digits: number, unit: string) => [
    spread(
      runs.map((r) => pick(r.standalone)),
      digits,
      unit,
    ),
    spread(clusters.map(pick), digits, unit),
  ];
  const last = runs[runs.length - 1].standalone;
  const lastCluster = clusters[clusters.length - 1];
  return [
    ['measure', 'standalone', 'cluster (6 services, private servers)', 'standalone target'],
    ['completed jobs/s (end to end)', ...both((f) => f.pipeline.endToEnd.jobsPerSec, 0, ''), '≥ 500'],
    ['trigger → done p50, low load', ...both((f) => f.pipeline.lowLoadLatencyMs.p50, 1, ' ms'), '≤ 10 ms'],
    ['trigger → done p99, low load', ...both((f) => f.pipeline.lowLoadLatencyMs.p99, 1, ' ms'), '≤ 50 ms'],
    ...runs[0].standalone.idleMemory.flatMap((sample, i) => [
      [`idle ${sample.afterReadyMs / 1000} s after ready, sum of VmRSS`, ...both((f) => f.idleMemory[i].rssMb, 0, ' MB'), '≤ 250 MB'],
      [`idle ${sample.afterReadyMs / 1000} s after ready, sum of Pss`, ...both((f) => f.idleMemory[i].pssMb, 0, ' MB'), '≤ 250 MB'],
    ]),
    ['idle after the load, sum of VmRSS', ...both((f) => f.idleMemoryAfterLoad.rssMb, 0, ' MB'), ''],
    ['idle after the load, sum of Pss', ...both((f) => f.idleMemoryAfterLoad.pssMb, 0, ' MB'), ''],
    [
      'start → ready, existing data dir',
      spread(
        runs.flatMap((r) => r.standalone.startMs.existing),
        0,
        ' ms',
      ),
      '—',
      '≤ 5,000 ms',
    ],
    ['start → ready, fresh data dir / databases', ...both((f) => f.startMs.fresh, 0, ' ms'), '≤ 5,000 ms'],
    ['CPU per completed job', ...both((f) => f.pipeline.cpuMsPerJob, 2, ' ms'), ''],
    ['webhook ingest, durable 202 req/s', ...both((f) => f.pipeline.ingest.reqPerSec, 0, ''), ''],
    [
      '(last run, idle) memory by process kind, VmRSS/Pss MB',
      memoryDetail(last.idleMemory[last.idleMemory.length - 1]),
      lastCluster ? memoryDetail(lastCluster.idleMemory[lastCluster.idleMemory.length - 1]) : 'n/a',
      '',
    ],
    ['(last run) CPU ms per job by group', cpuDetail(last), lastCluster ? cpuDetail(lastCluster) : 'n/a', ''],
  ];
}

/** Rows: measure | median (min–max) over the cluster runs. Every figure per completed job unless it says otherwise. */
export function clusterTable(runs: ClusterFigures[]): string[][] {
  const row = (measure: string, pick: (f: ClusterFigures) => number | undefined, digits: number, unit = ''): string[] => [
    measure,
    spread(
      runs.map((f) => pick(f) ?? NaN),
      digits,
      unit,
    ),
  ];
  const groups = [...new Set(runs.flatMap((f) => Object.keys(f.pipeline.cpuMsPerJobBy)))];
  const services = groups.filter((g) => !SERVER_GROUPS.includes(g));
  const servers = groups.filter((g) => SERVER_GROUPS.includes(g));
  const sumOf = (f: ClusterFigures, names: string[]) => names.reduce((s, g) => s + (f.pipeline.cpuMsPerJobBy[g] ?? 0), 0);
  const redisCommands = [...new Set(runs.flatMap((f) => Object.keys(f.servers?.redisCommandsPerJobBy ?? {})))];
  return [
    ['measure', `median (min–max) of ${runs.length} run${runs.length === 1 ? '' : 's'}`],
    row('completed jobs/s (end to end)', (f) => f.pipeline.endToEnd.jobsPerSec, 0),
    row('durable webhook accepts/s (202)', (f) => f.pipeline.ingest.reqPerSec, 0),
    row('ingest p99 under load', (f) => f.pipeline.ingest.p99Ms, 0, ' ms'),
    row('trigger → done p50, low load', (f) => f.pipeline.lowLoadLatencyMs.p50, 1, ' ms'),
    row('trigger → done p99, low load', (f) => f.pipeline.lowLoadLatencyMs.p99, 1, ' ms'),
    row('CPU per job, all processes', (f) => f.pipeline.cpuMsPerJob, 2, ' ms'),
    row('  services', (f) => sumOf(f, services), 2, ' ms'),
    ...services.map((g) => row(`    ${g}`, (f) => f.pipeline.cpuMsPerJobBy[g], 3, ' ms')),
    row('  servers', (f) => sumOf(f, servers), 2, ' ms'),
    ...servers.map((g) => row(`    ${g}`, (f) => f.pipeline.cpuMsPerJobBy[g], 3, ' ms')),
    row('  (bench process: load generator + sink, not counted)', (f) => f.pipeline.benchCpuMsPerJob, 2, ' ms'),
    row('Postgres statements per job', (f) => f.servers?.statementsPerJob, 1),
    row('Postgres WAL flushes (fsync) per job', (f) => f.servers?.walPerJob.syncs, 2),
    row('Postgres WAL bytes per job', (f) => f.servers?.walPerJob.bytes, 0),
    row('NATS messages in per job', (f) => f.servers?.natsMessagesPerJob.in, 1),
    row('NATS messages out per job', (f) => f.servers?.natsMessagesPerJob.out, 1),
    row('NATS bytes in per job', (f) => f.servers?.natsMessagesPerJob.inBytes, 0),
    row('Redis commands per job', (f) => f.servers?.redisCommandsPerJob, 2),
    ...redisCommands.map((c) => row(`    ${c}`, (f) => f.servers?.redisCommandsPerJobBy[c] ?? 0, 2)),
    ...(runs[runs.length - 1].servers?.topStatementsByCalls ?? []).slice(0, 8).map((s) => [`  (last run) ${s.callsPerJob.toFixed(2)}/job ${s.database}`, s.query.slice(0, 110)]),
  ];
}
