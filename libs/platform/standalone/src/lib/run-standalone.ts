import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { ConfigError } from '@junction/platform/config';
import { databaseUrl, ensureDatabase, migrateExclusively } from '@junction/platform/database';
import { DataDirInUseError, EmbeddedDatabaseError } from '@junction/platform/embedded-postgres';
import { InProcessHub, MemoryCache, MemoryLock } from '@junction/platform/in-process';
import { createLogger } from '@junction/platform/logging';
import { PostgresQueue, pgQueueMigrations } from '@junction/platform/pg-queue';
import { MemoryRateLimiters, withTimeout } from '@junction/platform/ports';
import { ServiceMetrics, startMetricsServer } from '@junction/platform/metrics';
import { PortInUseError, listenOrExplain, startService, type RunningService, type ServiceDefinition } from '@junction/platform/service';
import { resolveApiPort } from './api-port';
import { startDatabase, type DatabaseStart } from './database-start';
import { LocalSecretsError, withExportedFirst } from './local-secrets';
import { quickstartText } from './quickstart';
import { standaloneBinding, type StandaloneShared } from './standalone-ports.module';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyService = ServiceDefinition<any>;

/** Refusals whose message names what is wrong and what to do. */
const KNOWN_STATES = [ConfigError, PortInUseError, EmbeddedDatabaseError, DataDirInUseError, LocalSecretsError];

export interface StandaloneOptions {
  /** Every service, the gateway among them; it starts last, once the others serve. */
  services: AnyService[];
  env?: NodeJS.ProcessEnv;
  /** Where the ready banner goes (stdout by default). */
  print?: (text: string) => void;
  /** The data directory and its database, when the entry point began them already (`startDatabase`); begun here otherwise. */
  database?: DatabaseStart;
}

export interface RunningStandalone {
  url: string;
  /** The process's one `GET /metrics` (METRICS_PORT), every service's series labelled by `service`. */
  metricsUrl: string;
  dataDir: string;
  apiKeyFile: string;
  services: RunningService[];
  stop(): Promise<void>;
}

/**
 * All of Junction in this process: an embedded Postgres in the data directory (one database per
 * service, the cluster's migrations), in-process bus, cache and locks, durable work in the
 * embedded database, the API on the gateway's port. Only one process may use a data directory.
 */
export async function startStandalone(options: StandaloneOptions): Promise<RunningStandalone> {
  const exported = options.env ?? process.env;
  const print = options.print ?? ((text: string) => process.stdout.write(`${text}\n`));
  const logger = createLogger({ service: 'standalone', level: (exported['LOG_LEVEL'] as 'info' | undefined) ?? 'info' });
  const database = options.database ?? startDatabase(exported);
  database.log.attach(logger);
  // on failure it holds nothing and runs nothing
  const { dataDir, lock, secrets, postgres } = await database.started;
  const cleanups: (() => Promise<void>)[] = [async () => lock.release(), () => postgres.stop()];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => process.stderr.write(`junction: while stopping: ${error instanceof Error ? error.message : String(error)}\n`));
    }
  };
  try {
    const namespace = exported['JUNCTION_NAMESPACE'] || 'junction';

    // process metrics and the shared queue's, beside each service's own registry
    const processMetrics = new ServiceMetrics('standalone');
    const shared = await sharedPorts(postgres.url, `${namespace}_queue`, logger, processMetrics);
    cleanups.push(() => shared.close());

    const host = exported['HOST'] || '127.0.0.1';
    const port = await resolveApiPort(exported['PORT'] || '3000', host);
    const metricsPort = await resolveApiPort(exported['METRICS_PORT'] || '9460', host);
    const env = withExportedFirst(exported, {
      ...secrets,
      HOST: host,
      JUNCTION_PUBLIC_URL: `http://127.0.0.1:${port}`,
      // the cluster's pool size: with 4 the executor's pool bounded throughput (every commit waits for
      // the disk: bench/pipeline 338 → 476 jobs/s, low-load p50 11.7 → 9.4 ms). Five pools and the
      // queue's 8 stay under the server's 80 connections; one idle for a second is closed (each
      // backend is ~16 MB resident), so at rest the pollers keep only what they use
      DATABASE_POOL_SIZE: '10',
      DATABASE_POOL_IDLE_MS: '1000',
    });
    env['PORT'] = port;
    env['METRICS_PORT'] = metricsPort;
    // the embedded server is the only database standalone mode uses, whatever DATABASE_URL says
    env['DATABASE_URL'] = postgres.url;
    delete env['DATABASE_NAME'];
    // the data directory's lock makes this the only executor on the database: leases a killed
    // predecessor held are handed back at start, so its running jobs resume at once, not after EXECUTOR_LEASE_MS
    env['EXECUTOR_RECLAIM_LEASES_AT_START'] = 'true';

    const binding = standaloneBinding(shared.ports);
    const running: RunningService[] = [];
    cleanups.push(async () => {
      // the API first, so nothing new arrives while the rest drains
      for (const service of running.reverse()) await service.close().catch(() => undefined);
    });
    const gateway = options.services.find((s) => s.name === 'gateway');
    if (!gateway) throw new Error('standalone mode needs the gateway service');
    const others = options.services.filter((s) => s !== gateway);
    // every start settles before a failure stops the database: none is left starting against it
    const started = await Promise.allSettled(
      others.map((definition) => startService(definition, { env, platform: binding, listen: false, shutdownHooks: false, frameworkLogLevel: 'debug', metricsEndpoint: false })),
    );
    running.push(...started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const api = await startService(gateway, { env, platform: binding, shutdownHooks: false, frameworkLogLevel: 'debug', metricsEndpoint: false });
    running.push(api);
    const registries = [processMetrics.registry, ...running.map((service) => service.app.get(ServiceMetrics).registry)];
    const metrics = await listenOrExplain(() => startMetricsServer({ port: Number(metricsPort), host, registries: () => registries }), Number(metricsPort), host, 'METRICS_PORT');
    // stopped after the services (cleanups run in reverse): the last scrape still answers while they drain
    cleanups.splice(cleanups.length - 1, 0, () => metrics.close());

    const url = `http://127.0.0.1:${new URL(api.url).port}`;
    const apiKeyFile = join(dataDir, 'admin-key');
    const firstStart = !existsSync(apiKeyFile);
    const apiKey = firstStart ? await createLocalWorkspace(url, env['JUNCTION_ROOT_TOKEN'], apiKeyFile) : readFileSync(apiKeyFile, 'utf8').trim();
    logger.info({ url, metricsUrl: metrics.url, dataDir }, 'standalone started');
    print(quickstartText({ url, apiKey, keyFile: apiKeyFile, firstStart }));
    return { url, metricsUrl: metrics.url, dataDir, apiKeyFile, services: running, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function sharedPorts(serverUrl: string, queueDatabase: string, logger: Logger, metrics: ServiceMetrics): Promise<{ ports: StandaloneShared; close(): Promise<void> }> {
  await ensureDatabase(serverUrl, queueDatabase);
  const url = databaseUrl(serverUrl, queueDatabase);
  const migrations = new DataSource({ type: 'postgres', url, migrations: pgQueueMigrations, migrationsTableName: 'schema_migrations' });
  await migrations.initialize();
  try {
    await migrateExclusively(migrations);
  } finally {
    await migrations.destroy();
  }
  const pool = new Pool({ connectionString: url, max: 8 });
  // an idle connection the server drops must not end the process (the next query reconnects); once
  // closing, pool.end() has not waited for its connections to finish, so the server's stop may still reach one
  let closing = false;
  pool.on('error', (error) => closing || logger.warn({ err: error }, 'queue database connection lost'));
  const queue = new PostgresQueue(pool, { logger, metrics });
  return {
    ports: {
      hub: new InProcessHub(),
      queue,
      cache: new MemoryCache(),
      lock: new MemoryLock(),
      rateLimiters: new MemoryRateLimiters(),
      database: {
        name: 'database',
        check: async (timeoutMs) => {
          await withTimeout(pool.query('SELECT 1'), timeoutMs, () => new Error(`the embedded database did not answer within ${timeoutMs} ms`));
        },
      },
    },
    close: async () => {
      closing = true;
      try {
        await queue.close();
      } finally {
        await pool.end();
      }
    },
  };
}

/** The first start makes the local workspace and keeps its admin key beside the data (0600). */
async function createLocalWorkspace(url: string, rootToken: string | undefined, keyFile: string): Promise<string> {
  if (!rootToken) throw new Error('JUNCTION_ROOT_TOKEN is empty: cannot create the local workspace');
  const res = await fetch(`${url}/v1/workspaces`, {
    method: 'POST',
    headers: { authorization: `Bearer ${rootToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'local' }),
  });
  const body = (await res.json()) as { apiKey?: { key?: string } };
  if (res.status !== 201 || !body.apiKey?.key) throw new Error(`creating the local workspace failed: ${res.status} ${JSON.stringify(body)}`);
  writeFileSync(keyFile, `${body.apiKey.key}\n`, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  return body.apiKey.key;
}

/** Entry point of the standalone process: a bad state exits 1 with one clear message; SIGINT/SIGTERM stop it cleanly. */
export function runStandalone(services: AnyService[], database?: DatabaseStart): void {
  startStandalone({ services, database }).then(
    (running) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`\n${signal}: stopping Junction…\n`);
        void running.stop().then(() => process.exit(0));
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    },
    (error: unknown) => {
      // a state the message explains prints alone; anything else is a bug worth its stack
      const known = KNOWN_STATES.some((type) => error instanceof type);
      const text = error instanceof Error ? (known ? error.message : (error.stack ?? error.message)) : String(error);
      process.stderr.write(`junction: ${text}\n`);
      process.exit(1);
    },
  );
}
