import { uniqueNamespace, waitFor } from '@junction/shared/testing';
import { Cluster } from '../cluster-harness';

interface Workspace {
  id: string;
  key: string;
}
interface JobSummary {
  id: string;
  status: string;
  dedupeKey: string;
  createdAt: string;
  finishedAt?: string;
  error?: { message?: string; kind?: string };
}

// What a tenant can put in a recipe to hold an executor: each of these ran for seconds to minutes
// (or ate gigabytes) before expressions were bounded.
const HEAVY: { name: string; expression: string; expect: 'failed' | 'succeeded'; error?: RegExp }[] = [
  // linear on RE2: answers at once (a backtracking engine explores 2^n paths on these 40 characters)
  { name: 'regex', expression: '$count($match(trigger.body.s, /(a+)+$/))', expect: 'succeeded' },
  { name: 'pad', expression: '$pad("", 100000000, "x")', expect: 'failed', error: /\$pad would return 100000000 characters/ },
  { name: 'doubling', expression: '$reduce([1..40], function($acc, $i){ $acc & $acc }, "x")', expect: 'failed', error: /operator & produced \d+ characters/ },
  // these spend time and heap together: which budget stops them first depends on the machine's speed
  { name: 'endless', expression: '(function($f){ $f($f) })(function($f){ $f($f) })', expect: 'failed', error: /timeout|ran past|used more than \d+ MB and was stopped/i },
  { name: 'range', expression: '$count([1..99999].[1..99999])', expect: 'failed', error: /sequence|timeout|ran past|used more than \d+ MB and was stopped/i },
];
const HEAVY_ROUNDS = 8;
const QUIET_EVENTS = 20;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

/**
 * Issue #10 class 3 through the running services: workspace A fires recipes whose expressions
 * would stall an unbounded evaluator (catastrophic regexes, huge pads, exponential strings,
 * endless recursion) while workspace B runs a simple webhook recipe. B's trigger-to-done latency
 * stays low and A's jobs end as failed steps naming the expression.
 */
describe('expression denial of service (hostile)', () => {
  const cluster = new Cluster(uniqueNamespace('e2e_exprdos'), { HTTP_ACCESS_LOG: 'false' });
  const latencies: { quietAlone: number[]; quietUnderAttack: number[] } = { quietAlone: [], quietUnderAttack: [] };

  async function workspace(name: string): Promise<Workspace> {
    const created = await cluster.call<{ workspace: { id: string }; apiKey: { key: string } }>('POST', '/v1/workspaces', { name }, cluster.rootToken);
    expect(created.status).toBe(201);
    return { id: created.body.workspace.id, key: created.body.apiKey.key };
  }

  async function hookRecipe(ws: Workspace, name: string, set: Record<string, string>): Promise<{ id: string; url: string }> {
    const created = await cluster.call<{ id: string }>('POST', '/v1/recipes', { name, trigger: { type: 'webhook' }, steps: [{ id: 'map', set }] }, ws.key);
    expect(created.status).toBe(201);
    const started = await cluster.call<{ webhookUrl?: string }>('POST', `/v1/recipes/${created.body.id}/start`, undefined, ws.key);
    expect(started.status).toBe(200);
    return { id: created.body.id, url: `${cluster.gatewayUrl}${new URL(started.body.webhookUrl ?? '', 'http://x').pathname}` };
  }

  async function deliver(url: string, body: unknown): Promise<string> {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(202);
    return ((await res.json()) as { dedupeKey: string }).dedupeKey;
  }

  async function jobs(ws: Workspace, recipeId: string): Promise<JobSummary[]> {
    const out: JobSummary[] = [];
    let cursor: string | undefined;
    do {
      const page = await cluster.call<{ items: JobSummary[]; nextCursor?: string }>(
        'GET',
        `/v1/jobs?recipeId=${recipeId}&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
        undefined,
        ws.key,
      );
      expect(page.status).toBe(200);
      out.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    return out;
  }

  /** Sends `count` events to B's hook one after another (as a steady tenant would) and answers each one's trigger-to-done latency, ms. */
  async function quietTraffic(b: Workspace, recipe: { id: string; url: string }, count: number, tag: string): Promise<number[]> {
    const sentAt = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      const t0 = Date.now();
      sentAt.set(await deliver(recipe.url, { n: i, tag }), t0);
      await new Promise((r) => setTimeout(r, 100));
    }
    let done: JobSummary[] = [];
    await waitFor(
      async () => {
        done = (await jobs(b, recipe.id)).filter((j) => sentAt.has(j.dedupeKey) && j.finishedAt);
        return done.length === count;
      },
      60_000,
      250,
    );
    expect(done.map((j) => j.status)).toEqual(done.map(() => 'succeeded'));
    return done.map((j) => new Date(j.finishedAt as string).getTime() - (sentAt.get(j.dedupeKey) as number)).sort((x, y) => x - y);
  }

  beforeAll(async () => {
    await cluster.start(['gateway', 'auth', 'connectors', 'executor']);
  }, 180_000);

  afterAll(async () => {
    // the numbers this test measured, for the security notes
    console.log(
      JSON.stringify({
        quietAlone: { p50: percentile(latencies.quietAlone, 0.5), p95: percentile(latencies.quietAlone, 0.95), max: latencies.quietAlone.at(-1) },
        quietUnderAttack: { p50: percentile(latencies.quietUnderAttack, 0.5), p95: percentile(latencies.quietUnderAttack, 0.95), max: latencies.quietUnderAttack.at(-1) },
      }),
    );
    await cluster.stop();
  }, 60_000);

  it("keeps workspace B's webhook latency low while workspace A runs catastrophic expressions, which end as failed steps", async () => {
    const a: Workspace = { id: cluster.workspaceId, key: cluster.apiKey };
    const b = await workspace('quiet');
    const quiet = await hookRecipe(b, 'quiet', { got: '{{ trigger.body.n }}', tag: '{{ trigger.body.tag }}' });
    const heavy = await Promise.all(HEAVY.map(async (h) => ({ ...h, recipe: await hookRecipe(a, `heavy ${h.name}`, { x: `{{ ${h.expression} }}` }) })));

    latencies.quietAlone = await quietTraffic(b, quiet, QUIET_EVENTS, 'alone');

    // A floods its heavy recipes while B keeps sending
    const attack = (async () => {
      for (let round = 0; round < HEAVY_ROUNDS; round++) await Promise.all(heavy.map((h) => deliver(h.recipe.url, { s: 'a'.repeat(40) + '!', round })));
    })();
    latencies.quietUnderAttack = await quietTraffic(b, quiet, QUIET_EVENTS, 'attack');
    await attack;

    // every heavy job ends, each kind the way it should, failures naming the step and the expression
    for (const h of heavy) {
      let ended: JobSummary[] = [];
      await waitFor(
        async () => {
          ended = (await jobs(a, h.recipe.id)).filter((j) => j.status !== 'pending' && j.status !== 'running');
          return ended.length === HEAVY_ROUNDS;
        },
        120_000,
        500,
      );
      for (const job of ended) {
        expect({ name: h.name, status: job.status, error: job.error?.message }).toEqual({ name: h.name, status: h.expect, error: h.error ? expect.any(String) : undefined });
        if (h.error) {
          expect(job.error?.kind).toBe('expression');
          expect(job.error?.message).toMatch(h.error);
          expect(job.error?.message).toContain('step "map"');
        }
      }
    }

    // generous bounds for a loaded 2-core machine; unbounded, one regex job alone held the executor for minutes
    expect(percentile(latencies.quietUnderAttack, 0.95)).toBeLessThan(2_000);
    expect(latencies.quietUnderAttack.at(-1)).toBeLessThan(5_000);
  }, 300_000);
});
