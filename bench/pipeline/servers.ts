import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { freePort } from '@junction/shared/testing';
import { cpuMs, processTree } from './process-tree';

/**
 * Private Postgres, NATS and Redis servers for one benchmark run, on free loopback ports: other
 * work on the machine's shared servers neither adds to nor hides this run's cost, and the CPU of
 * each server's whole process tree is exactly what the run cost it. Postgres 15 from the machine's
 * binaries with `pg_stat_statements` preloaded (statements per job), `nats-server -js` with its
 * monitoring port (messages per job), `redis-server` (commands per job). Settings follow the
 * machine's shared servers: fsync and synchronous_commit on, 128 MB shared buffers, Redis without
 * persistence.
 */
export interface PrivateServers {
  urls: { postgres: string; nats: string; redis: string };
  /** Root pids of each server's process tree (Postgres: the postmaster, whose children are its backends). */
  pids: { postgres: number; nats: number; redis: number };
  /** CPU ms of each server's process tree so far (reaped children included: it only grows). */
  cpu(): Record<'postgres' | 'nats' | 'redis', number>;
  /** Counters read before and after the measured window. */
  counters(): Promise<ServerCounters>;
  /** Zeroes pg_stat_statements (the measured window starts). */
  resetStatements(): Promise<void>;
  /** WAL written between two positions by record type, most bytes first (pg_walinspect). */
  walRecords(from: string, to: string): Promise<WalRecordFigure[]>;
  /** Statements since the reset, most called first. */
  statements(): Promise<StatementFigure[]>;
  stop(): Promise<void>;
}

export interface ServerCounters {
  /** pg_stat_wal: WAL flushes to disk (fsync), records and bytes written; `lsn`: the insert position. */
  wal: { syncs: number; records: number; bytes: number; lsn: string };
  /** pg_stat_user_tables of every product database: `db.table` → row and vacuum counters. */
  tables: Record<string, TableCounters>;
  nats: { inMsgs: number; outMsgs: number; inBytes: number; outBytes: number };
  redis: { commands: number; byCommand: Record<string, number> };
}

export interface TableCounters {
  inserts: number;
  updates: number;
  hotUpdates: number;
  deletes: number;
  autovacuums: number;
  autoanalyzes: number;
}

/** One WAL record type between two positions (pg_walinspect). */
export interface WalRecordFigure {
  record: string;
  count: number;
  recordBytes: number;
  fpiBytes: number;
}

export interface StatementFigure {
  query: string;
  database: string;
  calls: number;
  totalMs: number;
  rows: number;
}

const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function which(binary: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** What is missing to start the private servers (empty: all there). */
export function missingBinaries(): string[] {
  const missing: string[] = [];
  if (!existsSync(join(POSTGRES_BIN, 'postgres')) || !existsSync(join(POSTGRES_BIN, 'initdb'))) missing.push(`${POSTGRES_BIN}/{postgres,initdb}`);
  if (!which('nats-server')) missing.push('nats-server');
  if (!which('redis-server')) missing.push('redis-server');
  return missing;
}

/** As root, Postgres runs as the machine's `postgres` user (initdb refuses root). */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

function spawnServer(command: string, args: string[], options: { uid?: number; gid?: number; cwd?: string } = {}): { child: ChildProcess; output: string[] } {
  const output: string[] = [];
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', LC_ALL: 'C' }, ...options });
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  return { child, output };
}

async function until(what: string, ready: () => Promise<boolean>, output: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready().catch(() => false)) return;
    await pause(100);
  }
  throw new Error(`${what} did not start within ${timeoutMs} ms:\n${output.join('')}`);
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/** Row and vacuum counters of every table of every non-template database but `postgres`. */
async function tableCounters(url: string, admin: Client): Promise<Record<string, TableCounters>> {
  const { rows: dbs } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres'`);
  const out: Record<string, TableCounters> = {};
  for (const { datname } of dbs) {
    const client = new Client({ connectionString: url.replace(/\/postgres$/, `/${datname}`) });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const { rows } = await client.query<{ relname: string; ins: string; upd: string; hot: string; del: string; av: string; aa: string }>(
        `SELECT relname, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_hot_upd AS hot, n_tup_del AS del, autovacuum_count AS av, autoanalyze_count AS aa FROM pg_stat_user_tables`,
      );
      for (const r of rows)
        out[`${datname}.${r.relname}`] = {
          inserts: Number(r.ins),
          updates: Number(r.upd),
          hotUpdates: Number(r.hot),
          deletes: Number(r.del),
          autovacuums: Number(r.av),
          autoanalyzes: Number(r.aa),
        };
    } catch {
      // a database dropped meanwhile
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return out;
}

/** `extraPostgres`: more server settings (experiments: `synchronous_commit=off` bounds what WAL flushes cost). */
export async function startPrivateServers(extraPostgres: Record<string, string> = {}): Promise<PrivateServers> {
  const dir = mkdtempSync(join(tmpdir(), 'junction-bench-servers-'));
  const user = postgresUser();
  const [pgPort, natsPort, natsMonitor, redisPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);

  // Postgres 15, initdb into a temporary directory
  const pgDir = join(dir, 'pg');
  mkdirSync(pgDir, { mode: 0o700 });
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(pgDir, user.uid, user.gid);
  }
  execFileSync(join(POSTGRES_BIN, 'initdb'), ['-D', pgDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], {
    stdio: 'pipe',
    env: { PATH: process.env.PATH ?? '', LC_ALL: 'C' },
    ...(user ?? {}),
  });
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(pgPort),
    unix_socket_directories: dir,
    shared_buffers: '128MB',
    max_connections: '200',
    fsync: 'on',
    synchronous_commit: 'on',
    shared_preload_libraries: 'pg_stat_statements',
    'pg_stat_statements.max': '5000',
    'pg_stat_statements.track': 'top',
    logging_collector: 'off',
    ...extraPostgres,
  };
  const postgres = spawnServer(join(POSTGRES_BIN, 'postgres'), ['-D', pgDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])], { cwd: dir, ...(user ?? {}) });
  const pgUrl = `postgres://postgres@127.0.0.1:${pgPort}/postgres`;
  const admin = new Client({ connectionString: pgUrl });
  admin.on('error', () => undefined);
  await until(
    'private Postgres',
    async () => {
      const probe = new Client({ connectionString: pgUrl });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        await probe.query('SELECT 1');
        return true;
      } finally {
        await probe.end().catch(() => undefined);
      }
    },
    postgres.output,
  );
  await admin.connect();
  await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await admin.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');

  // NATS with JetStream and its monitoring port
  const natsStore = join(dir, 'nats');
  mkdirSync(natsStore);
  const nats = spawnServer('nats-server', ['-a', '127.0.0.1', '-p', String(natsPort), '-m', String(natsMonitor), '-js', '-sd', natsStore]);
  const varz = async () => (await (await fetch(`http://127.0.0.1:${natsMonitor}/varz`)).json()) as { in_msgs: number; out_msgs: number; in_bytes: number; out_bytes: number };
  await until('private NATS', async () => (await fetch(`http://127.0.0.1:${natsMonitor}/healthz?js-enabled-only=true`)).ok, nats.output);

  // Redis without persistence, like the machine's
  const redis = spawnServer('redis-server', ['--bind', '127.0.0.1', '--port', String(redisPort), '--save', '', '--appendonly', 'no', '--dir', dir]);
  const redisClient = new Redis({ host: '127.0.0.1', port: redisPort, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
  redisClient.on('error', () => undefined);
  await until(
    'private Redis',
    async () => {
      if (redisClient.status !== 'ready') await redisClient.connect().catch(() => undefined);
      return (await redisClient.ping()) === 'PONG';
    },
    redis.output,
  );

  const pids = { postgres: postgres.child.pid ?? 0, nats: nats.child.pid ?? 0, redis: redis.child.pid ?? 0 };
  return {
    urls: { postgres: pgUrl, nats: `nats://127.0.0.1:${natsPort}`, redis: `redis://127.0.0.1:${redisPort}` },
    pids,
    cpu: () => ({ postgres: cpuMs(processTree(pids.postgres)), nats: cpuMs(processTree(pids.nats)), redis: cpuMs(processTree(pids.redis)) }),
    counters: async () => {
      const v = await varz();
      const stats = (await redisClient.info('commandstats')) as string;
      const byCommand: Record<string, number> = {};
      for (const m of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) byCommand[m[1]] = Number(m[2]);
      // the bench's own INFO calls are not the product's
      delete byCommand.info;
      const { rows } = await admin.query<{ wal_sync: string; wal_records: string; wal_bytes: string; lsn: string }>(
        'SELECT wal_sync, wal_records, wal_bytes, pg_current_wal_flush_lsn()::text AS lsn FROM pg_stat_wal',
      );
      return {
        wal: { syncs: Number(rows[0].wal_sync), records: Number(rows[0].wal_records), bytes: Number(rows[0].wal_bytes), lsn: rows[0].lsn },
        tables: await tableCounters(pgUrl, admin),
        nats: { inMsgs: v.in_msgs, outMsgs: v.out_msgs, inBytes: v.in_bytes, outBytes: v.out_bytes },
        redis: { commands: Object.values(byCommand).reduce((a, b) => a + b, 0), byCommand },
      };
    },
    walRecords: async (from, to) => {
      const { rows } = await admin.query<{ record_type: string; count: string; record_size: string; fpi_size: string }>(
        `SELECT "resource_manager/record_type" AS record_type, count, record_size, fpi_size
           FROM pg_get_wal_stats($1::pg_lsn, $2::pg_lsn, true) WHERE count > 0 ORDER BY record_size + fpi_size DESC`,
        [from, to],
      );
      return rows.map((r) => ({ record: r.record_type, count: Number(r.count), recordBytes: Number(r.record_size), fpiBytes: Number(r.fpi_size) }));
    },
    resetStatements: async () => {
      await admin.query('SELECT pg_stat_statements_reset()');
    },
    statements: async () => {
      const { rows } = await admin.query<{ query: string; database: string; calls: string; total: number; rows: string }>(
        `SELECT s.query, d.datname AS database, s.calls, s.total_exec_time AS total, s.rows
           FROM pg_stat_statements s LEFT JOIN pg_database d ON d.oid = s.dbid
          WHERE s.query NOT LIKE '%pg_stat_statements%'
          ORDER BY s.calls DESC`,
      );
      return rows.map((r) => ({ query: r.query.replace(/\s+/g, ' ').slice(0, 300), database: r.database, calls: Number(r.calls), totalMs: Number(r.total), rows: Number(r.rows) }));
    },
    stop: async () => {
      await admin.end().catch(() => undefined);
      redisClient.disconnect();
      await Promise.all([stopChild(postgres.child, 'SIGINT'), stopChild(nats.child, 'SIGTERM'), stopChild(redis.child, 'SIGTERM')]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
