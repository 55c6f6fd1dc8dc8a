import { connect, type NatsConnection } from 'nats';
import { Client } from 'pg';
import pino from 'pino';
import { CreateRecipe, StartRecipe, TriggerReceived, TriggerStream, type RecipeView } from '@junction/executor/contracts';
import { databaseUrl, dropDatabase } from '@junction/platform/database';
import { ServiceMetrics } from '@junction/platform/metrics';
import { JetStreamQueue, NatsMessageBus } from '@junction/platform/nats';
import { Namespace } from '@junction/platform/ports';
import { TEST_SERVERS, dropNatsNamespace, startServiceProcess, uniqueNamespace, type ServiceProcess } from '@junction/shared/testing';

/**
 * The executor and the connectors service as real processes over real NATS, Postgres and
 * Redis, a scripted sink on 127.0.0.1 for `http.request`, and the test's own bus and queue to
 * create recipes and publish trigger events as the gateway's ingress would.
 */
/** The third party the recipes call (a `FakeThirdParty` from the spec: the harness only starts and stops it). */
export interface Sink {
  readonly url: string;
  start(): Promise<string>;
  close(): Promise<void>;
}

export class ExecutorCluster<S extends Sink = Sink> {
  readonly base: Record<string, string>;
  executors: ServiceProcess[] = [];
  /** Killed or stopped executors, kept for their logs. */
  readonly retired: ServiceProcess[] = [];
  connectors!: ServiceProcess;
  nc!: NatsConnection;
  bus!: NatsMessageBus;
  queue!: JetStreamQueue;
  db!: Client;

  constructor(
    readonly sink: S,
    private readonly executorEnv: Record<string, string> = {},
    readonly namespace = uniqueNamespace('e2e_exec'),
  ) {
    this.base = { JUNCTION_NAMESPACE: namespace, NATS_URL: TEST_SERVERS.nats, REDIS_URL: TEST_SERVERS.redis, DATABASE_URL: TEST_SERVERS.postgres };
  }

  async start(): Promise<this> {
    await this.sink.start();
    this.nc = await connect({ servers: TEST_SERVERS.nats });
    const ns = new Namespace(this.namespace);
    const metrics = new ServiceMetrics('executor_e2e');
    const logger = pino({ level: 'silent' });
    this.bus = new NatsMessageBus(this.nc, ns, logger, metrics, 5000);
    this.queue = new JetStreamQueue(this.nc, await this.nc.jetstreamManager(), this.nc.jetstream(), ns, logger, metrics, 1);
    await this.queue.ensureStream(TriggerStream);
    const [connectors, executor] = await Promise.all([
      startServiceProcess('connectors', {
        ...this.base,
        JUNCTION_HTTP_ALLOW: '127.0.0.1',
        CONNECTION_RATE_LIMIT_PER_SEC: '10000',
        BREAKER_FAILURES: '1000',
      }),
      this.startExecutor(),
    ]);
    this.connectors = connectors;
    this.executors = [executor];
    this.db = new Client({ connectionString: databaseUrl(TEST_SERVERS.postgres, `${this.namespace}_executor`) });
    await this.db.connect();
    return this;
  }

  startExecutor(extra: Record<string, string> = {}): Promise<ServiceProcess> {
    return startServiceProcess('executor', { ...this.base, ...this.executorEnv, ...extra });
  }

  async close(): Promise<void> {
    if (process.env.EXECUTOR_E2E_LOG) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(
        process.env.EXECUTOR_E2E_LOG,
        [...this.retired, ...this.executors, this.connectors]
          .filter(Boolean)
          .map((p) => p.output.join('\n'))
          .join('\n----\n'),
      );
    }
    await Promise.all([...this.executors.map((p) => p.stop()), this.connectors?.stop()]);
    await this.db?.end();
    await this.nc?.drain();
    await dropNatsNamespace(TEST_SERVERS.nats, this.namespace);
    await this.sink.close();
    await dropDatabase(TEST_SERVERS.postgres, `${this.namespace}_executor`);
    await dropDatabase(TEST_SERVERS.postgres, `${this.namespace}_connectors`);
  }

  async runningRecipe(workspaceId: string, definition: Record<string, unknown>): Promise<RecipeView> {
    const created = await this.bus.request(CreateRecipe, { workspaceId, definition });
    return this.bus.request(StartRecipe, { workspaceId, id: created.id });
  }

  /** What the gateway's ingress does once a delivery is accepted. */
  publish(recipe: { id: string }, workspaceId: string, dedupeKey: string, body: unknown, msgId = `${recipe.id}:${dedupeKey}`) {
    return this.queue.publish(
      TriggerReceived,
      { workspaceId, recipeId: recipe.id, kind: 'webhook', dedupeKey, receivedAt: new Date().toISOString(), data: { headers: {}, query: {}, body } },
      { msgId, workspaceId },
    );
  }

  async count(sql: string, params: unknown[] = []): Promise<number> {
    return Number(((await this.db.query(sql, params)).rows[0] as { n: string | number }).n);
  }

  async jobsOf(recipeId: string): Promise<{ id: string; status: string; dedupe_key: string; error: unknown }[]> {
    return (await this.db.query(`SELECT id, status, dedupe_key, error FROM jobs WHERE recipe_id = $1`, [recipeId])).rows as never;
  }

  async stepsOf(
    jobId: string,
  ): Promise<
    { seq: number; step_id: string; status: string; attempt: number | null; attempt_group: number; output: unknown; error: unknown; started_at: Date; finished_at: Date }[]
  > {
    return (await this.db.query(`SELECT * FROM job_steps WHERE job_id = $1 ORDER BY seq`, [jobId])).rows as never;
  }
}

/** http.request POSTing `json` to the sink's `path`. */
export function postTo(sinkUrl: string, path: string, json: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { action: 'http.request', input: { method: 'POST', url: `${sinkUrl}${path}`, body: json }, ...extra };
}
