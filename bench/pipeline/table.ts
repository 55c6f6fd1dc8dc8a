import type { MemoryFigures, ModeFigures } from './modes';

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
    ['measure', 'standalone', 'cluster (4 services)', 'standalone target'],
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
