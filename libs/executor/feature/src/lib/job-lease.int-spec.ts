import pino from 'pino';
import type { DataSource } from 'typeorm';
import { GetConnector, InvokeAction } from '@junction/connectors/contracts';
import { JobRepository } from '@junction/executor/data-access';
import { executorTestDatabase } from '@junction/executor/data-access/testing';
import type { Closable, MessageBus, RpcContract } from '@junction/platform/ports';
import { TEST_SERVERS, uniqueNamespace, waitFor } from '@junction/shared/testing';
import { ChildJobs, DEFAULT_CONCURRENCY } from './child-jobs';
import { executorOptions } from './executor.options';
import { ExpressionWorkers } from './expression-workers';
import { JobWaits } from './job-waits';
import { JobDispatcher } from './job-dispatcher';
import { EffectLedger } from './effect-ledger';
import { JobDriver } from './job-driver';
import { newJobId } from './job-ids';
import { JobSignals } from './job-signals';
import { RecipeCatalog } from './recipe-catalog';
import { SensitiveFields } from './sensitive-fields';
import { StepInvoker, invokeDeadlineMs } from './step-invoker';

type Invoked = { jobId: string; idempotencyKey: string; at: number };

/**
 * The connectors service as a worker's bus sees it. `answering: false` stands for the bug this
 * guards against: a reply lost without the bus noticing, so the request's promise never settles.
 * `delayMs` is a legitimately slow call. The connector catalog says only that `http.request` is
 * idempotent by key (so the effect ledger lets a re-drive send it again).
 */
class ConnectorsStandIn implements MessageBus {
  readonly invoked: Invoked[] = [];

  constructor(private readonly behaviour: { answering: boolean; delayMs: number }) {}

  async request<Req extends object, Res extends object>(contract: RpcContract<Req, Res>, payload: Req): Promise<Res> {
    if (contract.subject === GetConnector.subject) return { key: 'http', actions: [{ key: 'request', idempotent: 'key' }] } as unknown as Res;
    if (contract.subject !== InvokeAction.subject) throw new Error(`${contract.subject} is not served here`);
    const call = payload as unknown as { jobId: string; idempotencyKey: string };
    this.invoked.push({ jobId: call.jobId, idempotencyKey: call.idempotencyKey, at: Date.now() });
    if (!this.behaviour.answering) return new Promise<Res>(() => undefined);
    await new Promise((r) => setTimeout(r, this.behaviour.delayMs));
    return { output: { ok: true }, durationMs: this.behaviour.delayMs } as unknown as Res;
  }

  serve(): Promise<Closable> {
    throw new Error('not used by the dispatcher');
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Progress-based lease renewal on the real Postgres: a worker renews a job's lease only while its
 * driver is within the deadline of what it waits for. A call that never answers stops being
 * renewed once its deadline (+ grace) passes, and another worker re-drives the job from its last
 * checkpoint; a long call still within its deadline keeps its lease.
 */
describe('job leases follow progress (real Postgres)', () => {
  const name = uniqueNamespace('exec_lease');
  const database = executorTestDatabase(TEST_SERVERS.postgres, name);
  let db: DataSource;
  const STEP_TIMEOUT_MS = 1_000;
  // short leases so a lapse shows within seconds (3 s: under CI load a 2 s lease lapsed between renewals);
  // the grace absorbs a loaded machine's timer lag
  const LEASE_MS = 3_000;
  const GRACE_MS = 1_000;

  const worker = (workerId: string, bus: ConnectorsStandIn) => {
    const warnings: Record<string, unknown>[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) });
    const options = executorOptions({ workerId, leaseMs: LEASE_MS, stallGraceMs: GRACE_MS, pollIntervalMs: 100, sweepIntervalMs: 60_000 });
    const signals = new JobSignals();
    const catalog = new RecipeCatalog(db);
    const expressions = new ExpressionWorkers(options);
    const sensitive = new SensitiveFields(bus);
    const ledger = new EffectLedger(db, sensitive, logger);
    const driver = new JobDriver(
      db,
      catalog,
      new StepInvoker(bus),
      new ChildJobs(db, catalog, signals),
      sensitive,
      expressions,
      ledger,
      new JobWaits(db, signals, options, logger),
      options,
      logger,
    );
    const dispatcher = new JobDispatcher(db, driver, signals, options, logger);
    return {
      bus,
      warnings,
      start: () => dispatcher.onApplicationBootstrap(),
      stop: async () => {
        await dispatcher.beforeApplicationShutdown();
        await expressions.onApplicationShutdown();
      },
    };
  };

  const enqueue = async (recipeId: string, dedupeKey: string) => {
    const id = newJobId();
    await new JobRepository(db.manager).insertIfAbsent({
      id,
      workspaceId: 'ws_1',
      recipeId,
      recipeVersion: 1,
      dedupeKey,
      triggerKind: 'api',
      concurrency: DEFAULT_CONCURRENCY,
      trigger: { n: 1 },
      receivedAt: new Date(),
    });
    return id;
  };
  const job = async (id: string) => ((await db.query(`SELECT status, lease_owner FROM jobs WHERE id = $1`, [id])) as { status: string; lease_owner: string | null }[])[0];

  beforeAll(async () => {
    db = await database.connect();
    const recipe = (timeout: number) =>
      JSON.stringify({ name: 'one call', trigger: { type: 'manual' }, steps: [{ id: 'call', action: 'http.request', input: { url: 'http://127.0.0.1:9/' }, timeout }] });
    await db.query(
      `INSERT INTO recipes (id, workspace_id, name, version, state, active_version) VALUES ('rcp_short', 'ws_1', 'short', 1, 'running', 1), ('rcp_long', 'ws_1', 'long', 1, 'running', 1)`,
    );
    await db.query(`INSERT INTO recipe_versions (recipe_id, version, definition) VALUES ('rcp_short', 1, $1), ('rcp_long', 1, $2)`, [recipe(STEP_TIMEOUT_MS), recipe(8_000)]);
  });

  afterAll(async () => {
    await database.drop();
  });

  it('stops renewing a job whose call never answers once the call deadline + grace passes; another worker re-drives and completes it', async () => {
    const stuck = worker('worker-a', new ConnectorsStandIn({ answering: false, delayMs: 0 }));
    const healthy = worker('worker-b', new ConnectorsStandIn({ answering: true, delayMs: 0 }));
    stuck.start();
    try {
      const id = await enqueue('rcp_short', 'stuck-1');
      await waitFor(async () => stuck.bus.invoked.length === 1, 20_000, 50);
      // the second worker competes for the job from now on: it gets it only once the lease lapses
      healthy.start();
      // each time the stuck worker wins the lapsed job back costs a call deadline + grace + lease (~5 s,
      // more under load); a coin toss per lapse, so the wait allows a long losing streak
      await waitFor(async () => (await job(id)).status === 'succeeded', 75_000, 100);

      // the stuck worker may itself re-claim the lapsed job (and get stuck again) before the other one does:
      // every claim re-sends the same step with the same key, each a full call deadline after the last
      expect(healthy.bus.invoked).toHaveLength(1);
      const calls = [...stuck.bus.invoked, ...healthy.bus.invoked];
      expect(calls.every((c) => c.jobId === id && c.idempotencyKey === calls[0].idempotencyKey)).toBe(true);
      // held while each call was within its deadline, though the lease itself is far shorter
      for (let i = 1; i < calls.length; i++) expect(calls[i].at - calls[i - 1].at).toBeGreaterThanOrEqual(invokeDeadlineMs({ timeoutMs: STEP_TIMEOUT_MS }));
      expect(await job(id)).toEqual({ status: 'succeeded', lease_owner: null });

      // one warning per stuck driver, naming the job and what it waited for
      const stalls = stuck.warnings.filter((w) => w.jobId === id);
      expect(stalls).toHaveLength(stuck.bus.invoked.length);
      for (const stall of stalls) expect(stall.waitingFor).toEqual([expect.stringMatching(/^invoke:call#1$/)]);
      expect(healthy.warnings).toHaveLength(0);
    } finally {
      await healthy.stop();
      await stuck.stop();
    }
  }, 120_000);

  it('keeps renewing a job whose call is slow but within its deadline', async () => {
    const slow = worker('worker-c', new ConnectorsStandIn({ answering: true, delayMs: 3 * LEASE_MS }));
    const rival = worker('worker-d', new ConnectorsStandIn({ answering: true, delayMs: 0 }));
    slow.start();
    try {
      const id = await enqueue('rcp_long', 'slow-1');
      await waitFor(async () => slow.bus.invoked.length === 1, 20_000, 50);
      rival.start();
      await waitFor(async () => (await job(id)).status === 'succeeded', 40_000, 100);

      // a lapse would have let the rival claim the job and send the call again
      expect(rival.bus.invoked).toHaveLength(0);
      expect(slow.bus.invoked).toHaveLength(1);
      expect(slow.warnings).toHaveLength(0);
      const steps = (await db.query(`SELECT status FROM job_steps WHERE job_id = $1 AND step_id = 'call'`, [id])) as { status: string }[];
      expect(steps.map((s) => s.status)).toEqual(['succeeded']);
    } finally {
      await rival.stop();
      await slow.stop();
    }
  }, 90_000);
});
