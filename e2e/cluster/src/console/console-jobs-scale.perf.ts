import type { Browser } from 'playwright-core';
import { Cluster, RUN_MODES, type RunMode } from '../cluster-harness';
import { TriggerStreamAccess } from '../trigger-stream-access';
import { launchChromium, signIn, watchedPage } from './browser';

const JOBS = 100_000;
/** Issue #14's targets: the list API at p95, and the page's first rows after the answer. */
const API_P95_MS = 100;
const RENDER_MS = 300;
const RUNS = 30;

function p95(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length * 0.95) - 1];
}

// A measurement, not part of `npm test` (the name is not *.e2e-spec.ts): timings on a shared 2-core
// machine swing with its load, so it runs on demand, after building gateway, auth, executor,
// console and standalone:
//   npx jest -c e2e/cluster/jest.config.cts --testMatch '**/console-jobs-scale.perf.ts' --runInBand
/**
 * The jobs list with 100k jobs in the workspace (issue #14's performance targets): each filter the
 * Jobs page offers answers `limit=50` at p95 within 100 ms, and the page shows its first rows
 * within 300 ms of the answer. The jobs are written beneath the API (finished, so nothing runs
 * them), spread over two recipes, four statuses and the last ~28 hours.
 */
describe.each(RUN_MODES)('the jobs list with 100k jobs (%s)', (mode: RunMode) => {
  const cluster = Cluster.inMode(mode);
  const below = new TriggerStreamAccess(cluster);
  let browser: Browser;
  const recipes: string[] = [];
  const measured: Record<string, number> = {};

  beforeAll(async () => {
    [browser] = await Promise.all([launchChromium(), cluster.start(['gateway', 'auth', 'executor'])]);
    for (const name of ['scale a', 'scale b']) {
      const made = await cluster.call<{ id: string }>('POST', '/v1/recipes', { name: `${name} ${mode}`, trigger: { type: 'manual' }, steps: [{ id: 'noop', set: { a: 1 } }] });
      expect(made.status).toBe(201);
      recipes.push(made.body.id);
    }
    // ids sort like time (newest highest), as real ULIDs do; one job a second back from now
    await below.sql(
      'executor',
      `INSERT INTO jobs (id, workspace_id, recipe_id, recipe_version, dedupe_key, trigger_kind, status, concurrency, received_at, created_at, finished_at, updated_at)
       SELECT 'job_01KZ' || lpad((${JOBS} - n)::text, 22, '0'), $1, CASE WHEN n % 2 = 0 THEN $2 ELSE $3 END, 1, 'scale-' || n, 'manual',
              (ARRAY['succeeded', 'succeeded', 'succeeded', 'failed', 'cancelled', 'stopped'])[1 + n % 6], 1,
              now() - n * interval '1 second', now() - n * interval '1 second', now() - n * interval '1 second', now()
         FROM generate_series(1, ${JOBS}) AS n`,
      [cluster.workspaceId, recipes[0], recipes[1]],
    );
    await below.sql('executor', 'ANALYZE jobs');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await cluster.stop();
    console.log(`jobs list with ${JOBS} jobs (${mode}): ${JSON.stringify(measured)}`);
  }, 60_000);

  it(`answers GET /v1/jobs?limit=50 with each filter the page offers in ≤ ${API_P95_MS} ms at p95`, async () => {
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const first = await cluster.call<{ items: { id: string }[]; nextCursor?: string }>('GET', '/v1/jobs?limit=50');
    expect(first.body.items).toHaveLength(50);
    const filters: Record<string, string> = {
      none: '',
      recipe: `&recipeId=${recipes[0]}`,
      status: '&status=failed',
      'recipe+status': `&recipeId=${recipes[1]}&status=failed`,
      'last hour': `&since=${encodeURIComponent(since)}`,
      'recipe+status+last hour': `&recipeId=${recipes[0]}&status=succeeded&since=${encodeURIComponent(since)}`,
      'next page': `&cursor=${first.body.nextCursor ?? ''}`,
      'deep page': `&recipeId=${recipes[1]}&cursor=job_01KZ${String(JOBS / 2).padStart(22, '0')}`,
    };
    // the gateway's and executor's code paths warm (JIT) before anything is timed
    for (let i = 0; i < 30; i++) await cluster.call('GET', '/v1/jobs?limit=50');
    for (const [name, query] of Object.entries(filters)) {
      const url = `${cluster.gatewayUrl}/v1/jobs?limit=50${query}`;
      const samples: number[] = [];
      for (let i = 0; i < RUNS + 3; i++) {
        const started = performance.now();
        const res = await fetch(url, { headers: { authorization: `Bearer ${cluster.apiKey}` } });
        const body = (await res.json()) as { items: unknown[] };
        const took = performance.now() - started;
        expect(res.status).toBe(200);
        expect(body.items.length).toBeGreaterThan(0);
        // the first few warm the connection and the plans
        if (i >= 3) samples.push(took);
      }
      measured[`api p95 ${name} ms`] = Math.round(p95(samples) * 10) / 10;
    }
    const slow = Object.entries(measured).filter(([, ms]) => ms > API_P95_MS);
    expect(slow).toEqual([]);
  }, 120_000);

  it(`shows the page's first rows ≤ ${RENDER_MS} ms after the API's answer`, async () => {
    const { page } = await watchedPage(browser);
    await signIn(page, `${cluster.gatewayUrl}/console/`, cluster.apiKey);
    const samples: number[] = [];
    for (const query of ['', `?recipeId=${recipes[0]}`, '?status=failed', `?recipeId=${recipes[1]}&status=failed&range=24h`]) {
      const answered = page
        .waitForResponse((res) => new URL(res.url()).pathname === '/v1/jobs')
        .then(async (res) => {
          await res.finished();
          return performance.now();
        });
      await page.goto(`${cluster.gatewayUrl}/console/jobs${query}`);
      await page.locator('tbody tr').first().waitFor();
      const shown = performance.now();
      samples.push(shown - (await answered));
    }
    measured['render after answer max ms'] = Math.round(Math.max(...samples));
    measured['render after answer samples'] = samples.length;
    expect(Math.max(...samples)).toBeLessThanOrEqual(RENDER_MS);
  }, 120_000);
});
