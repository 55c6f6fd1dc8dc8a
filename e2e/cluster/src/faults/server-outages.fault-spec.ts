import { createHash, createHmac } from 'node:crypto';
import { Client } from 'pg';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { databaseUrl } from '@junction/platform/database';
import { startNatsServer, startPostgresServer, startRedisServer, uniqueNamespace, waitFor, type ThrowawayPostgres, type ThrowawayServer } from '@junction/shared/testing';
import { Cluster } from '../cluster-harness';

const SECRET = 'whsec-faults-0123456789abcdef';
const sign = (body: string) => `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
// a signed hook's dedupe key is the hash of the body its signature covers
const keyOf = (body: string) => `sha256:${createHash('sha256').update(body).digest('hex')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// webhooks a second while a fault runs (the machine is shared: a steady load, not a benchmark)
const RATE_PER_SEC = 25;
// how long each server stays away
const DOWN_MS = 3_000;
// the guarantee under test: every accepted event is terminal this soon after the server is back
const TERMINAL_WITHIN_MS = 60_000;
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

interface Sent {
  n: number;
  body: string;
  accepted: boolean;
  /** Answers other than 202 (503 while a server is away), with how long each took. */
  refusals: { status: number; at: number; ms: number; retryAfter: string | null }[];
  /** Network errors and timeouts: the sender got no answer at all. */
  noAnswer: number;
}

/** Sends signed webhooks at a steady rate; each is re-sent on 503/429/no answer (as a real sender would) until accepted. */
class WebhookLoad {
  readonly sent: Sent[] = [];
  private running = false;
  private senders: Promise<void>[] = [];
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly hookUrl: string,
    private next: number,
  ) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const tick = Date.now();
        this.senders.push(this.send(this.next++));
        await sleep(Math.max(0, 1000 / RATE_PER_SEC - (Date.now() - tick)));
      }
    })();
  }

  /** Stops sending new events and waits until every one sent so far is accepted (or gave up). */
  async stop(): Promise<Sent[]> {
    this.running = false;
    await this.loop;
    await Promise.all(this.senders);
    this.senders = [];
    return this.sent;
  }

  get nextN(): number {
    return this.next;
  }

  private async send(n: number): Promise<void> {
    const body = JSON.stringify({ n, at: Date.now() });
    const entry: Sent = { n, body, accepted: false, refusals: [], noAnswer: 0 };
    this.sent.push(entry);
    const giveUpAt = Date.now() + 90_000;
    while (Date.now() < giveUpAt) {
      const started = Date.now();
      try {
        const res = await fetch(this.hookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-sig': sign(body) },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        if (res.status === 202) {
          entry.accepted = true;
          return;
        }
        entry.refusals.push({ status: res.status, at: started, ms: Date.now() - started, retryAfter: res.headers.get('retry-after') });
        if (res.status !== 503 && res.status !== 429) return; // anything else is a bug the assertions report
        await sleep(Math.min(5, Number(res.headers.get('retry-after')) || 1) * 1000);
      } catch {
        entry.noAnswer++;
        await sleep(500);
      }
    }
  }
}

interface PhaseResult {
  fault: string;
  accepted: number;
  delivered: number;
  twice: number;
  repeats: number;
  refused503: number;
  /** The slowest refusal of a delivery sent while the server was away (after its return, JetStream may still be recovering). */
  maxRefusalMs: number;
  noAnswer: number;
  recoverySec: number;
}

/**
 * Guarantee 11 under server outages: the services run against a nats-server (JetStream, file
 * store), a Postgres and a redis-server of this test's own, under steady signed-webhook load
 * (two-step recipe POSTing to a local sink); each server is killed (SIGKILL) or stopped in
 * immediate mode and restarted, one at a time and all together. After each: every accepted event
 * is a terminal job within 60 s of the server's return, no event ran as two jobs, and the only
 * repeats at the sink are re-sends of a step with its own Idempotency-Key.
 */
describe('server outages under webhook load (own nats-server, postgres, redis-server)', () => {
  let nats: ThrowawayServer;
  let redis: ThrowawayServer;
  let pg: ThrowawayPostgres;
  let cluster: Cluster;
  const sink = new FakeThirdParty();
  let hookUrl = '';
  let recipeId = '';
  let nextN = 0;
  const table: PhaseResult[] = [];

  async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const db = new Client({ connectionString: databaseUrl(pg.url, `${cluster.namespace}_executor`), connectionTimeoutMillis: 3_000 });
    await db.connect();
    try {
      return (await db.query(sql, params)).rows as T[];
    } finally {
      await db.end().catch(() => undefined);
    }
  }

  const jobsByKey = async () => {
    const rows = await query<{ dedupe_key: string; status: string; n: number }>(
      `SELECT dedupe_key, status, count(*) OVER (PARTITION BY dedupe_key)::int AS n FROM jobs WHERE recipe_id = $1`,
      [recipeId],
    );
    return new Map(rows.map((r) => [r.dedupe_key, r]));
  };

  beforeAll(async () => {
    [nats, redis, pg] = await Promise.all([startNatsServer(), startRedisServer(), startPostgresServer()]);
    await sink.start();
    sink.on('POST', '/a', { status: 200, json: { ok: true }, delayMs: 50 });
    sink.on('POST', '/b', { status: 200, json: { ok: true } });
    cluster = new Cluster(uniqueNamespace('fault'), {
      NATS_URL: `nats://127.0.0.1:${nats.port}`,
      REDIS_URL: `redis://127.0.0.1:${redis.port}`,
      DATABASE_URL: pg.url,
      CONNECTION_RATE_LIMIT_PER_SEC: '10000',
      BREAKER_FAILURES: '1000',
    });
    await cluster.start(['gateway', 'auth', 'connectors', 'executor']);
    const connection = await cluster.call<{ id: string }>('POST', '/v1/connections', { name: 'hook secret', connector: 'webhook', credentials: { signingSecret: SECRET } });
    expect(connection.status).toBe(201);
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: 'two steps to the sink',
      trigger: { type: 'webhook', signature: { header: 'x-sig', algorithm: 'hmac-sha256', prefix: 'sha256=', connection: connection.body.id } },
      steps: [
        { id: 'a', action: 'http.request', input: { method: 'POST', url: `${sink.url}/a`, body: { n: '{{ trigger.body.n }}' } } },
        { id: 'b', action: 'http.request', input: { method: 'POST', url: `${sink.url}/b`, body: { n: '{{ trigger.body.n }}', a: '{{ steps.a.status }}' } } },
      ],
      settings: { concurrency: 40 },
    });
    expect(recipe.status).toBe(201);
    recipeId = recipe.body.id;
    hookUrl = await cluster.startHook(recipeId);
  }, 180_000);

  afterAll(async () => {
    console.log(
      [
        'fault | accepted | delivered | twice | re-sent steps | 503s | slowest 503 while away, ms | no answer | recovery s',
        ...table.map((r) => [r.fault, r.accepted, r.delivered, r.twice, r.repeats, r.refused503, r.maxRefusalMs, r.noAnswer, r.recoverySec.toFixed(1)].join(' | ')),
      ].join('\n'),
    );
    if (process.env.FAULTS_LOG) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(process.env.FAULTS_LOG, [...cluster.services.entries()].map(([name, s]) => `==== ${name}\n${s.output.join('\n')}`).join('\n'));
    }
    await cluster?.stop().catch(() => undefined);
    await sink.close();
    await Promise.all([nats?.dispose(), redis?.dispose(), pg?.dispose()]);
  }, 120_000);

  /**
   * Load before, during and after the fault; then every event accepted in this phase must be a
   * terminal job within 60 s of the server's return. Recovery: server back → last of them terminal.
   */
  async function phase(fault: string, down: () => Promise<void>, up: () => Promise<void>, whileDown?: () => Promise<void>): Promise<PhaseResult> {
    const load = new WebhookLoad(hookUrl, nextN);
    const linesBefore = new Map([...cluster.services].map(([name, s]) => [name, s.output.length]));
    load.start();
    await sleep(3_000);
    await down();
    const downAt = Date.now();
    const probe = whileDown?.();
    await sleep(DOWN_MS);
    await probe;
    await up();
    const backAt = Date.now();
    await sleep(2_000);
    const sent = await load.stop();
    nextN = load.nextN;

    const accepted = sent.filter((s) => s.accepted);
    const keys = new Map(accepted.map((s) => [keyOf(s.body), s.n]));
    let drainedAt = 0;
    await waitFor(
      async () => {
        const jobs = await jobsByKey();
        const pending = [...keys.keys()].filter((k) => !TERMINAL.has(jobs.get(k)?.status ?? ''));
        if (pending.length > 0) return false;
        drainedAt = Date.now();
        return true;
      },
      backAt + TERMINAL_WITHIN_MS - Date.now(),
      250,
    ).catch(async (error: unknown) => {
      const jobs = await jobsByKey().catch(() => new Map());
      const pending = [...keys.keys()].filter((k) => !TERMINAL.has(jobs.get(k)?.status ?? ''));
      throw new Error(`${fault}: ${pending.length} of ${keys.size} accepted events not terminal 60 s after the server came back (${String(error)})`);
    });

    const jobs = await jobsByKey();
    const mine = [...keys.keys()].map((k) => jobs.get(k));
    const phaseNs = new Set(accepted.map((s) => s.n));
    const hits = sink.requests.filter((r) => phaseNs.has(Number((r.json as { n?: unknown } | undefined)?.n)));
    // each (step, event) is called under one idempotency key; a key seen twice is a re-sent in-flight step
    const keysPerEvent = new Map<string, Set<string>>();
    const callsPerKey = new Map<string, number>();
    for (const r of hits) {
      const idem = String(r.headers['idempotency-key']);
      const event = `${r.path} ${(r.json as { n: unknown }).n}`;
      keysPerEvent.set(event, (keysPerEvent.get(event) ?? new Set()).add(idem));
      callsPerKey.set(idem, (callsPerKey.get(idem) ?? 0) + 1);
    }
    const refusals = sent.flatMap((s) => s.refusals);
    const result: PhaseResult = {
      fault,
      accepted: accepted.length,
      delivered: mine.filter((j) => j?.status === 'succeeded').length,
      twice: [...keysPerEvent.values()].filter((k) => k.size > 1).length + mine.filter((j) => (j?.n ?? 0) > 1).length,
      repeats: [...callsPerKey.values()].filter((n) => n > 1).length,
      refused503: refusals.filter((r) => r.status === 503).length,
      maxRefusalMs: Math.max(0, ...refusals.filter((r) => r.at >= downAt && r.at < backAt).map((r) => r.ms)),
      noAnswer: sent.reduce((sum, s) => sum + s.noAnswer, 0),
      recoverySec: Math.max(0, drainedAt - backAt) / 1000,
    };
    table.push(result);
    const added = [...cluster.services].map(([name, s]) => ({ name, lines: s.output.slice(linesBefore.get(name) ?? 0) }));
    const errorLines = added.flatMap(({ name, lines }) => lines.filter((l) => /"level":("error"|50)/.test(l)).map((l) => `${name}: ${l.slice(0, 300)}`));
    const warnCounts = added.map(({ name, lines }) => `${name} ${lines.filter((l) => /"level":("warn"|40)/.test(l)).length}`);
    console.log(`${fault}: ${JSON.stringify(result)}; warn lines: ${warnCounts.join(', ')}; error lines: ${errorLines.length}`);

    expect(sent.filter((s) => !s.accepted).map((s) => ({ n: s.n, refusals: s.refusals, noAnswer: s.noAnswer }))).toEqual([]);
    // nothing but 503/429 (with Retry-After) while a server is away: no 500, no 502
    expect(refusals.filter((r) => r.status !== 503 && r.status !== 429)).toEqual([]);
    expect(refusals.every((r) => r.retryAfter !== null)).toBe(true);
    expect(mine.every((j) => j && TERMINAL.has(j.status))).toBe(true);
    expect(result.twice).toBe(0);
    // every event reached both steps at the sink (retries aside)
    expect(new Set(hits.filter((r) => r.path === '/b').map((r) => (r.json as { n: number }).n)).size).toBe(result.delivered);
    // a re-sent step went out at most twice: once cut by the fault, once after it
    expect([...callsPerKey.values()].every((n) => n <= 2)).toBe(true);
    // an outage is logged as it starts and ends (warn/info, with counts), never as an error line per request
    expect(errorLines).toEqual([]);
    return result;
  }

  it('NATS killed (SIGKILL) and restarted: in-flight calls fail at once and are retried; ingress answers 503 + Retry-After quickly; readiness flips and back', async () => {
    const gateway = cluster.gatewayUrl;
    const result = await phase(
      'nats-server SIGKILL',
      () => nats.kill(),
      () => nats.restart(),
      async () => {
        await sleep(1_000);
        const started = Date.now();
        const ready = await fetch(`${gateway}/health/ready`);
        expect(ready.status).toBe(503);
        expect(Date.now() - started).toBeLessThan(3_000);
      },
    );
    await waitFor(async () => (await fetch(`${gateway}/health/ready`)).status === 200, 30_000, 250);
    expect(result.refused503).toBeGreaterThan(0);
    // a second at most in principle; loose here because the machine is shared
    expect(result.maxRefusalMs).toBeLessThan(3_000);
    expect(result.noAnswer).toBe(0);
  }, 180_000);

  it('Postgres stopped in immediate mode and restarted', async () => {
    await phase(
      'postgres immediate stop',
      () => pg.stopImmediate(),
      () => pg.restart(),
    );
  }, 180_000);

  it('Redis killed (SIGKILL) and restarted', async () => {
    await phase(
      'redis-server SIGKILL',
      () => redis.kill(),
      () => redis.restart(),
    );
  }, 180_000);

  it('Postgres postmaster killed (SIGKILL) and restarted', async () => {
    await phase(
      'postgres SIGKILL',
      () => pg.kill(),
      () => pg.restart(),
    );
  }, 180_000);

  it('all three killed together and restarted', async () => {
    await phase(
      'all three SIGKILL',
      () => Promise.all([nats.kill(), redis.kill(), pg.kill()]).then(() => undefined),
      () => Promise.all([nats.restart(), redis.restart(), pg.restart()]).then(() => undefined),
    );
  }, 180_000);

  it('NATS killed again (second round)', async () => {
    await phase(
      'nats-server SIGKILL (round 2)',
      () => nats.kill(),
      () => nats.restart(),
    );
  }, 180_000);

  it('every recovery took 30 s or less', () => {
    expect(table.length).toBeGreaterThan(0);
    for (const r of table) expect({ fault: r.fault, recoveryWithin30s: r.recoverySec <= 30 }).toEqual({ fault: r.fault, recoveryWithin30s: true });
  });
});
