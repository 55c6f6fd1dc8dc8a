import { waitFor } from '@junction/shared/testing';
import { Cluster, RUN_MODES, type RunMode } from './cluster-harness';
import { TriggerStreamAccess } from './trigger-stream-access';

interface Letter {
  id: string;
  recipeId?: string;
  source: string;
  reason: string;
  detail: string;
  deliveryCount: number;
  state: string;
  jobId?: string;
  event?: Record<string, unknown>;
}
interface RedriveItem {
  id: string;
  jobId?: string;
  outcome?: string;
  error?: { code: string; message: string };
}

// the executor gives an event up after this many failed deliveries (backoff ≤ 0.5 s, then ≤ 1 s)
const MAX_DELIVER = 3;
const recipe = { name: 'dead-letters', trigger: { type: 'manual' }, steps: [{ id: 'echo', set: { n: '{{ trigger.n }}' } }] };

/**
 * Trigger events that could not become jobs: kept with their reason, listed, redriven once after
 * a fix, audited; in both modes (the NATS JetStream queue, and the Postgres queue of standalone).
 * Other workspaces, lesser roles and bad input: hostile/dead-letters.hostile-spec.ts. Failures are made beneath the API: a CHECK constraint on `jobs`
 * refusing the recipe's rows (every delivery fails until it is dropped), and an invalid message
 * put on the trigger stream directly.
 */
describe.each(RUN_MODES)('dead letters (%s)', (mode: RunMode) => {
  const cluster = Cluster.inMode(mode, undefined, { EXECUTOR_TRIGGER_MAX_DELIVER: String(MAX_DELIVER) });
  const below = new TriggerStreamAccess(cluster);
  let recipeId = '';
  const letters: Record<'invalid' | 'first' | 'second', string> = { invalid: '', first: '', second: '' };

  const list = (query = '', key?: string) => cluster.call<{ items: Letter[]; nextCursor?: string }>('GET', `/v1/dead-letters${query}`, undefined, key);
  const redrive = (body: unknown, key?: string) => cluster.call<{ items: RedriveItem[] }>('POST', '/v1/dead-letters/redrive', body, key);
  const jobsOfRecipe = async () => (await cluster.call<{ items: { id: string }[] }>('GET', `/v1/jobs?recipeId=${recipeId}&limit=100`)).body.items;

  beforeAll(async () => {
    await cluster.start(['gateway', 'auth', 'connectors', 'scheduler', 'executor', 'audit']);
    const created = await cluster.call<{ id: string }>('POST', '/v1/recipes', recipe);
    recipeId = created.body.id;
    expect((await cluster.call('POST', `/v1/recipes/${recipeId}/start`)).status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await cluster.stop();
  }, 60_000);

  it('keeps an event whose every delivery failed, with the last error and the delivery count', async () => {
    await below.sql('executor', `ALTER TABLE jobs ADD CONSTRAINT e2e_refuse_recipe CHECK (recipe_id <> '${recipeId}') NOT VALID`);
    for (const n of ['first', 'second'] as const) expect((await cluster.call('POST', `/v1/recipes/${recipeId}/runs`, { n })).status).toBe(202);
    const found = await waitFor(async () => {
      const items = (await list(`?recipeId=${recipeId}&reason=max_deliveries`)).body.items;
      return items.length === 2 ? items : undefined;
    }, 30_000);
    for (const letter of found) {
      expect(letter).toMatchObject({ recipeId, source: 'trigger', reason: 'max_deliveries', deliveryCount: MAX_DELIVER, state: 'dead' });
      expect(letter.detail).toContain('e2e_refuse_recipe');
      const one = await cluster.call<Letter>('GET', `/v1/dead-letters/${letter.id}`);
      expect(one.status).toBe(200);
      const n = (one.body.event as { data: { n: string } }).data.n;
      letters[n as 'first' | 'second'] = letter.id;
    }
    expect(letters.first).not.toBe('');
    expect(letters.second).not.toBe('');
    expect(await jobsOfRecipe()).toEqual([]);
  }, 60_000);

  it('keeps an invalid event with the validation that failed', async () => {
    await below.publishRaw(
      { workspaceId: cluster.workspaceId, recipeId, kind: 'manual', dedupeKey: 'raw-1', receivedAt: 'yesterday', data: { n: 'invalid', password: 'hunter2' } },
      cluster.workspaceId,
    );
    const letter = await waitFor(async () => (await list(`?reason=invalid`)).body.items[0], 30_000);
    expect(letter).toMatchObject({ recipeId, source: 'trigger', reason: 'invalid', state: 'dead' });
    expect(letter.detail).toContain('receivedAt');
    letters.invalid = letter.id;
    // the event as received, its secret-looking values redacted
    const one = await cluster.call<Letter>('GET', `/v1/dead-letters/${letter.id}`);
    expect(one.body.event).toMatchObject({ receivedAt: 'yesterday', data: { n: 'invalid', password: '[redacted]' } });
    expect(JSON.stringify(one.body)).not.toContain('hunter2');
  }, 90_000);

  it('says per letter why a redrive cannot make a job yet, and leaves it dead', async () => {
    const refused = await redrive({ ids: [letters.first] });
    expect(refused.status).toBe(200);
    expect(refused.body.items).toEqual([{ id: letters.first, error: { code: 'failed', message: expect.stringContaining('e2e_refuse_recipe') } }]);
    expect((await cluster.call('POST', `/v1/recipes/${recipeId}/stop`)).status).toBe(200);
    const stopped = await redrive({ ids: [letters.invalid] });
    expect(stopped.body.items).toEqual([{ id: letters.invalid, error: { code: 'recipe_not_running', message: expect.stringContaining('start it') } }]);
    expect((await cluster.call('POST', `/v1/recipes/${recipeId}/start`)).status).toBe(200);
    expect((await list(`?state=dead`)).body.items).toHaveLength(3);
  }, 30_000);

  it('after the fix, makes exactly one job per redriven letter, on the running version', async () => {
    await below.sql('executor', `ALTER TABLE jobs DROP CONSTRAINT e2e_refuse_recipe`);
    const done = await redrive({ ids: [letters.invalid, letters.first] });
    expect(done.status).toBe(200);
    expect(done.body.items).toEqual([
      { id: letters.invalid, outcome: 'created', jobId: expect.stringMatching(/^job_/) },
      { id: letters.first, outcome: 'created', jobId: expect.stringMatching(/^job_/) },
    ]);
    for (const item of done.body.items) {
      const job = await waitFor(async () => {
        const read = await cluster.call<{ status: string; recipeVersion: number; trigger: unknown }>('GET', `/v1/jobs/${item.jobId}`);
        return read.body.status === 'succeeded' ? read.body : undefined;
      }, 20_000);
      expect(job.recipeVersion).toBe(1);
    }
    // the invalid event's data made its job; the other kept its own trigger
    const invalidJob = await cluster.call<{ trigger: unknown }>('GET', `/v1/jobs/${done.body.items[0].jobId}`);
    expect(invalidJob.body.trigger).toEqual({ n: 'invalid', password: '[redacted]' });
    // again: nothing more
    const again = await redrive({ ids: [letters.invalid, letters.first] });
    expect(again.body.items.map((i) => i.error?.code)).toEqual(['already_redriven', 'already_redriven']);
    expect(await jobsOfRecipe()).toHaveLength(2);
    const one = await cluster.call<Letter>('GET', `/v1/dead-letters/${letters.first}`);
    expect(one.body).toMatchObject({ state: 'redriven', jobId: done.body.items[1].jobId, redrivenBy: { type: 'api_key' } });
  }, 60_000);

  it('makes one job when the same letter is redriven twice at once (by ids and by filter)', async () => {
    const [a, b] = await Promise.all([redrive({ ids: [letters.second] }), redrive({ filter: { recipeId, state: 'dead' } })]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    const outcomes = [...a.body.items, ...b.body.items].filter((i) => i.id === letters.second);
    expect(outcomes.filter((i) => i.outcome === 'created')).toHaveLength(1);
    expect(outcomes.filter((i) => i.outcome !== 'created').every((i) => i.error?.code === 'already_redriven')).toBe(true);
    expect(await jobsOfRecipe()).toHaveLength(3);
    expect((await list(`?state=dead`)).body.items).toEqual([]);
  }, 30_000);

  it('audits each dead letter and each redrive', async () => {
    const actions = await waitFor(async () => {
      const audit = await cluster.call<{ items: { action: string; target: { id: string } }[] }>('GET', '/v1/audit?target=dead_letter&limit=100');
      const seen = audit.body.items.map((e) => `${e.action} ${e.target.id}`);
      return seen.filter((s) => s.startsWith('dead_letter.redriven')).length >= 3 ? seen : undefined;
    }, 20_000);
    for (const id of Object.values(letters)) {
      expect(actions).toContain(`dead_letter.created ${id}`);
      expect(actions).toContain(`dead_letter.redriven ${id}`);
    }
  }, 30_000);

  it('pages with a cursor and is in the OpenAPI document', async () => {
    const first = await list('?limit=2');
    expect(first.body.items).toHaveLength(2);
    const rest = await list(`?limit=2&cursor=${first.body.nextCursor}`);
    expect(rest.body.items).toHaveLength(1);
    expect(rest.body.nextCursor).toBeUndefined();
    expect(new Set([...first.body.items, ...rest.body.items].map((l) => l.id))).toEqual(new Set(Object.values(letters)));
    const doc = await cluster.call<{ paths: Record<string, unknown> }>('GET', '/docs/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/dead-letters', '/v1/dead-letters/{id}', '/v1/dead-letters/redrive']));
  });
});
