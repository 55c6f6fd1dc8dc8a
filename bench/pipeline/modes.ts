import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, type ServiceName } from '../../e2e/cluster/src/cluster-harness';
import { TEST_SERVERS } from '@junction/shared/testing';
import { BackendCpu } from './backend-cpu';
import { startPrivateServers, type PrivateServers, type ServerCounters, type StatementFigure, type TableCounters } from './servers';
import { measurePipeline, startRecipe, type PipelineFigures } from './measure';
import { byKind, cpuMs, memory, processTree, type TreeMemory } from './process-tree';
import type { Sink } from './sink';

export interface MemoryFigures {
  rssMb: number;
  pssMb: number;
  byKind: Record<string, { count: number; rssMb: number; pssMb: number }>;
}

export interface ModeFigures {
  mode: 'cluster' | 'standalone';
  /** Spawn → `<service> started` log line, ms. Standalone: a fresh data dir, then restarts on it. */
  startMs: { fresh: number; existing: number[] };
  /** Idle after start, at each of `RunOptions.idleAfterMs` (pools close idle connections after a while). */
  idleMemory: (MemoryFigures & { afterReadyMs: number })[];
  /** Idle again, the last of `idleAfterMs` after the load drained. */
  idleMemoryAfterLoad: MemoryFigures;
  pipeline: PipelineFigures;
}

export interface RunOptions {
  ingestSeconds: number;
  connections: number;
  /** When idle memory is read, ms after ready (ascending). */
  idleAfterMs: number[];
  /** Standalone restarts on the existing data dir to time. */
  restarts: number;
  prefix: string;
  /** Extra variables for the standalone process (experiments: `--standalone-env=DATABASE_POOL_SIZE=10`). */
  standaloneEnv: Record<string, string>;
  /** Cluster: its own Postgres, NATS and Redis for this run (false: the machine's shared servers). */
  privateServers?: boolean;
  /** Extra variables for every cluster service (experiments). */
  clusterEnv?: Record<string, string>;
  /** Extra settings of the private Postgres (experiments). */
  postgresSettings?: Record<string, string>;
}

export type ClusterFigures = ModeFigures & { servers?: ServerFigures };

/** Per completed job, from the private servers' counters over the measured window. */
export interface ServerFigures {
  statementsPerJob: number;
  /** WAL flushes (fsync), records and bytes per job (pg_stat_wal). */
  walPerJob: { syncs: number; records: number; bytes: number };
  /** WAL by record type per job, most bytes first (pg_walinspect; FPI: full-page images). */
  walRecordsPerJob: { record: string; count: number; recordBytes: number; fpiBytes: number }[];
  /** Row counters per job of every table that changed (`db.table`), and autovacuum runs in the window. */
  tablesPerJob: Record<string, TableCounters>;
  /** Postgres statements by calls per job, most first (pg_stat_statements, normalised text). */
  topStatementsByCalls: (StatementFigure & { callsPerJob: number })[];
  topStatementsByTime: (StatementFigure & { callsPerJob: number })[];
  natsMessagesPerJob: { in: number; out: number; inBytes: number; outBytes: number };
  redisCommandsPerJob: number;
  redisCommandsPerJobBy: Record<string, number>;
}

/** Every service of the product as its own process. */
const CLUSTER_SERVICES: ServiceName[] = ['gateway', 'auth', 'connectors', 'scheduler', 'executor', 'audit'];
const QUIET = { HTTP_ACCESS_LOG: 'false' };
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** When the process logged `<name> started` (pino's ISO time), epoch ms. */
function startedAt(output: string[], name: string): number {
  for (const line of output) {
    try {
      const parsed = JSON.parse(line) as { msg?: string; time?: string };
      if (parsed.msg === `${name} started` && parsed.time) return Date.parse(parsed.time);
    } catch {
      // not a JSON log line
    }
  }
  throw new Error(`no "${name} started" line`);
}

function summarise(tree: TreeMemory, extraKinds: Record<string, TreeMemory> = {}): MemoryFigures {
  const kinds = byKind(tree);
  for (const [kind, extra] of Object.entries(extraKinds)) kinds[kind] = { count: extra.processes.length, rssMb: extra.rssMb, pssMb: extra.pssMb };
  const total = Object.values(kinds);
  return { rssMb: total.reduce((s, k) => s + k.rssMb, 0), pssMb: total.reduce((s, k) => s + k.pssMb, 0), byKind: kinds };
}

async function idleSamples(ready: number, afterMs: number[], read: () => Promise<MemoryFigures>): Promise<(MemoryFigures & { afterReadyMs: number })[]> {
  const samples: (MemoryFigures & { afterReadyMs: number })[] = [];
  for (const at of afterMs) {
    await pause(ready + at - Date.now());
    samples.push({ afterReadyMs: at, ...(await read()) });
  }
  return samples;
}

/**
 * The six services as processes. With `privateServers` (the default) on a Postgres, NATS and Redis
 * started for this run alone: their process trees' CPU is this run's, and their counters give
 * statements, messages and commands per job. Otherwise on the machine's shared servers, counting
 * the Postgres backends that serve the cluster's databases (NATS and Redis not counted).
 */
export async function runCluster(sink: Sink, options: RunOptions): Promise<ClusterFigures> {
  const servers = options.privateServers === false ? undefined : await startPrivateServers(options.postgresSettings);
  const shared = { ...TEST_SERVERS };
  // the harness reads TEST_SERVERS for the services' variables and its clean-up
  if (servers) Object.assign(TEST_SERVERS, servers.urls);
  try {
    return await clusterOn(sink, options, servers);
  } finally {
    Object.assign(TEST_SERVERS, shared);
    await servers?.stop();
  }
}

async function clusterOn(sink: Sink, options: RunOptions, servers: PrivateServers | undefined): Promise<ClusterFigures> {
  const cluster = new Cluster(undefined, { ...QUIET, ...options.clusterEnv });
  const t0 = Date.now();
  try {
    await cluster.start(CLUSTER_SERVICES);
    const ready = Math.max(...[...cluster.services.entries()].map(([name, s]) => startedAt(s.output, name)));
    const backends = servers ? undefined : await new BackendCpu(TEST_SERVERS.postgres, cluster.namespace).start();
    try {
      const servicePids = () => [...cluster.services.values()].flatMap((s) => processTree(s.child.pid ?? 0));
      const serverMemory = async (): Promise<Record<string, TreeMemory>> =>
        servers
          ? {
              'postgres (private server)': memory(processTree(servers.pids.postgres)),
              'nats-server (private)': memory([servers.pids.nats]),
              'redis-server (private)': memory([servers.pids.redis]),
            }
          : { 'postgres backend (shared server)': memory((await backends?.pids()) ?? []) };
      const read = async () => summarise(memory(servicePids()), await serverMemory());
      const idleMemory = await idleSamples(ready, options.idleAfterMs, read);
      const hook = await startRecipe(cluster, sink);
      const cpu = async () => ({
        ...Object.fromEntries([...cluster.services.entries()].map(([name, s]) => [name, cpuMs(processTree(s.child.pid ?? 0))])),
        ...(servers ? servers.cpu() : { 'postgres backends': (await backends?.totalMs()) ?? 0 }),
      });
      let before: ServerCounters | undefined;
      const window = servers && {
        start: async () => {
          await servers.resetStatements();
          before = await servers.counters();
        },
        end: async (jobs: number) => serverFigures(servers, before as ServerCounters, Math.max(1, jobs)),
      };
      const pipeline = await measurePipeline(hook, sink, { ...options, cpu, window });
      await pause(options.idleAfterMs[options.idleAfterMs.length - 1] ?? 0);
      return {
        mode: 'cluster',
        startMs: { fresh: ready - t0, existing: [] },
        idleMemory,
        idleMemoryAfterLoad: await read(),
        pipeline,
        servers: pipeline.window as ServerFigures | undefined,
      };
    } finally {
      await backends?.stop();
    }
  } finally {
    await cluster.stop();
  }
}

async function serverFigures(servers: PrivateServers, before: ServerCounters, jobs: number): Promise<ServerFigures> {
  const [after, statements] = await Promise.all([servers.counters(), servers.statements()]);
  const perJob = (s: StatementFigure) => ({ ...s, callsPerJob: s.calls / jobs });
  const byCommand = Object.fromEntries(
    Object.entries(after.redis.byCommand)
      .map(([command, calls]) => [command, (calls - (before.redis.byCommand[command] ?? 0)) / jobs] as const)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1]),
  );
  // pg_walinspect reads only flushed WAL; a breakdown it cannot give is left empty
  const walRecords = await servers.walRecords(before.wal.lsn, after.wal.lsn).catch(() => []);
  const tablesPerJob: Record<string, TableCounters> = {};
  for (const [name, a] of Object.entries(after.tables)) {
    const b = before.tables[name] ?? { inserts: 0, updates: 0, hotUpdates: 0, deletes: 0, autovacuums: 0, autoanalyzes: 0 };
    const d = {
      inserts: (a.inserts - b.inserts) / jobs,
      updates: (a.updates - b.updates) / jobs,
      hotUpdates: (a.hotUpdates - b.hotUpdates) / jobs,
      deletes: (a.deletes - b.deletes) / jobs,
      autovacuums: a.autovacuums - b.autovacuums,
      autoanalyzes: a.autoanalyzes - b.autoanalyzes,
    };
    if (Object.values(d).some((v) => v > 0)) tablesPerJob[name.replace(/^[^.]*_/, '')] = d;
  }
  return {
    walRecordsPerJob: walRecords.slice(0, 15).map((r) => ({ ...r, count: r.count / jobs, recordBytes: r.recordBytes / jobs, fpiBytes: r.fpiBytes / jobs })),
    tablesPerJob,
    statementsPerJob: statements.reduce((sum, s) => sum + s.calls, 0) / jobs,
    walPerJob: {
      syncs: (after.wal.syncs - before.wal.syncs) / jobs,
      records: (after.wal.records - before.wal.records) / jobs,
      bytes: (after.wal.bytes - before.wal.bytes) / jobs,
    },
    topStatementsByCalls: statements.slice(0, 15).map(perJob),
    topStatementsByTime: [...statements]
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, 15)
      .map(perJob),
    natsMessagesPerJob: {
      in: (after.nats.inMsgs - before.nats.inMsgs) / jobs,
      out: (after.nats.outMsgs - before.nats.outMsgs) / jobs,
      inBytes: (after.nats.inBytes - before.nats.inBytes) / jobs,
      outBytes: (after.nats.outBytes - before.nats.outBytes) / jobs,
    },
    redisCommandsPerJob: Object.values(byCommand).reduce((a, b) => a + b, 0),
    redisCommandsPerJobBy: byCommand,
  };
}

/** The standalone process (all six services, embedded Postgres in a temporary data dir). */
export async function runStandalone(sink: Sink, options: RunOptions): Promise<ModeFigures> {
  const cluster = Cluster.inMode('standalone', undefined, { ...QUIET, ...options.standaloneEnv });
  // as root the embedded Postgres runs as nobody, who must pass through the directory (mkdtemp makes it 0700)
  cluster.dataDir = mkdtempSync(join(tmpdir(), 'junction-bench-'));
  chmodSync(cluster.dataDir, 0o711);
  let ready = 0;
  const timedStart = async () => {
    const t0 = Date.now();
    await cluster.start([]);
    ready = startedAt(cluster.standalone?.output ?? [], 'standalone');
    return ready - t0;
  };
  try {
    const fresh = await timedStart();
    const existing: number[] = [];
    for (let i = 0; i < options.restarts; i++) {
      await cluster.standalone?.stop();
      existing.push(await timedStart());
    }
    const root = cluster.standalone?.child.pid ?? 0;
    const read = async () => summarise(memory(processTree(root)));
    const idleMemory = await idleSamples(ready, options.idleAfterMs, read);
    const hook = await startRecipe(cluster, sink);
    // a Postgres backend that exits moves its CPU to the postmaster's count: the tree's sum only grows
    const cpu = async () => {
      const tree = processTree(root);
      return { node: cpuMs([root]), postgres: cpuMs(tree.slice(1)) };
    };
    const pipeline = await measurePipeline(hook, sink, { ...options, cpu });
    await pause(options.idleAfterMs[options.idleAfterMs.length - 1]);
    return { mode: 'standalone', startMs: { fresh, existing }, idleMemory, idleMemoryAfterLoad: await read(), pipeline };
  } finally {
    await cluster.stop();
  }
}
