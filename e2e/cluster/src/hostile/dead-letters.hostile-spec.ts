import { waitFor } from '@junction/shared/testing';
import { Cluster } from '../cluster-harness';
import { TriggerStreamAccess } from '../trigger-stream-access';

interface Letter {
  id: string;
  state: string;
  detail: string;
  event?: unknown;
}
interface RedriveItem {
  id: string;
  outcome?: string;
  error?: { code: string; message: string };
}
interface Problem {
  status: number;
  errors?: { path: string; message: string }[];
}

const CANARY = 'pw_canary_9f2c41d7';
const recipe = { name: 'dead-letters-hostile', trigger: { type: 'manual' }, steps: [{ id: 'echo', set: { n: '{{ trigger.n }}' } }] };

/**
 * `/v1/dead-letters` (issue #16.5) in the wrong hands: another workspace can neither see nor
 * redrive my letters; roles below operator cannot redrive; malformed filters, ids and cursors are
 * 400 problem+json naming the field; an unknown id gets a per-letter answer, not a silent nothing;
 * a secret in the event never comes back.
 */
describe('dead letters (hostile)', () => {
  const cluster = Cluster.inMode('cluster');
  const below = new TriggerStreamAccess(cluster);
  let recipeId = '';
  let mine = '';
  let otherKey = '';

  const list = (query = '', key?: string) => cluster.call<{ items: Letter[] }>('GET', `/v1/dead-letters${query}`, undefined, key);
  const redrive = (body: unknown, key?: string) => cluster.call<{ items: RedriveItem[] }>('POST', '/v1/dead-letters/redrive', body, key);
  const expectProblem = (answer: { status: number; headers: Headers; body: unknown }, status: number, path?: string) => {
    expect(answer.status).toBe(status);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    if (path) expect(((answer.body as Problem).errors ?? []).map((e) => e.path)).toContain(path);
  };

  beforeAll(async () => {
    await cluster.start(['gateway', 'auth', 'connectors', 'scheduler', 'executor', 'audit']);
    recipeId = (await cluster.call<{ id: string }>('POST', '/v1/recipes', recipe)).body.id;
    expect((await cluster.call('POST', `/v1/recipes/${recipeId}/start`)).status).toBe(200);
    // an event the gateway would never publish: invalid, carrying a secret
    await below.publishRaw(
      { workspaceId: cluster.workspaceId, recipeId, kind: 'manual', dedupeKey: 'hostile-1', receivedAt: 'not a time', data: { n: 1, password: CANARY } },
      cluster.workspaceId,
    );
    mine = (await waitFor(async () => (await list()).body.items[0], 30_000)).id;
    otherKey = (await cluster.call<{ apiKey: { key: string } }>('POST', '/v1/workspaces', { name: 'other' }, cluster.rootToken)).body.apiKey.key;
  }, 180_000);

  afterAll(async () => {
    await cluster.stop();
  }, 60_000);

  it('another workspace neither lists, reads nor redrives my letters', async () => {
    expect((await list('', otherKey)).body.items).toEqual([]);
    expect((await list(`?recipeId=${recipeId}`, otherKey)).body.items).toEqual([]);
    expectProblem(await cluster.call('GET', `/v1/dead-letters/${mine}`, undefined, otherKey), 404);
    const byId = await redrive({ ids: [mine] }, otherKey);
    expect(byId.status).toBe(200);
    expect(byId.body.items).toEqual([{ id: mine, error: { code: 'not_found', message: expect.stringContaining(mine) } }]);
    expect((await redrive({ filter: {} }, otherKey)).body.items).toEqual([]);
    expect((await redrive({ filter: { recipeId } }, otherKey)).body.items).toEqual([]);
    expect((await cluster.call<Letter>('GET', `/v1/dead-letters/${mine}`)).body.state).toBe('dead');
  });

  it('lets an auditor read but not redrive, and a builder not redrive either', async () => {
    const auditor = await cluster.call<{ key: string }>('POST', '/v1/api-keys', { name: 'auditor', role: 'auditor' });
    expect(auditor.status).toBe(201);
    expect((await list('', auditor.body.key)).body.items.map((l) => l.id)).toEqual([mine]);
    expect((await cluster.call('GET', `/v1/dead-letters/${mine}`, undefined, auditor.body.key)).status).toBe(200);
    expectProblem(await redrive({ ids: [mine] }, auditor.body.key), 403);
    expectProblem(await redrive({ filter: {} }, auditor.body.key), 403);
    const builder = await cluster.call<{ key: string }>('POST', '/v1/api-keys', { name: 'builder', role: 'builder' });
    expectProblem(await redrive({ ids: [mine] }, builder.body.key), 403);
    expectProblem(await cluster.call('GET', '/v1/dead-letters', undefined, 'jn_bogus_key'), 401);
    expect((await cluster.call<Letter>('GET', `/v1/dead-letters/${mine}`)).body.state).toBe('dead');
  });

  it('refuses a malformed filter, id list or cursor with a 400 problem naming the field', async () => {
    for (const [body, path] of [
      [{ filter: { reason: 'bogus' } }, 'filter.reason'],
      [{ filter: { state: 'undead' } }, 'filter.state'],
      [{ filter: { recipe: recipeId } }, 'filter.recipe'],
      [{ filter: { recipeId: '../jobs' } }, 'filter.recipeId'],
      [{ filter: { since: 'last week' } }, 'filter.since'],
      [{ filter: 'dead' }, 'filter'],
      [{ ids: ['job_01ARZ3NDEKTSV4RRFFQ69G5FAV'] }, 'ids'],
      [{ ids: [] }, 'ids'],
      [{ ids: Array.from({ length: 101 }, () => mine) }, 'ids'],
      [{ ids: [mine], filter: {} }, 'filter'],
      [{}, 'ids'],
      [{ filter: {}, cursor: 'job_01ARZ3NDEKTSV4RRFFQ69G5FAV' }, 'cursor'],
    ] as const) {
      expectProblem(await redrive(body), 400, path);
    }
    for (const [query, path] of [
      ['?reason=bogus', 'reason'],
      ['?since=yesterday', 'since'],
      ['?until=2026-13-45', 'until'],
      ['?cursor=job_01ARZ3NDEKTSV4RRFFQ69G5FAV', 'cursor'],
      ['?limit=0', 'limit'],
      ['?recipe=x', 'recipe'],
    ] as const) {
      expectProblem(await list(query), 400, path);
    }
    expectProblem(await cluster.call('GET', '/v1/dead-letters/..%2Fjobs'), 400);
    expect((await cluster.call<Letter>('GET', `/v1/dead-letters/${mine}`)).body.state).toBe('dead');
  });

  it('answers an unknown id clearly: a 404 to read, a not_found item to redrive', async () => {
    const unknown = 'dlq_01ARZ3NDEKTSV4RRFFQ69G5FAV';
    expectProblem(await cluster.call('GET', `/v1/dead-letters/${unknown}`), 404);
    const answer = await redrive({ ids: [unknown] });
    expect(answer.status).toBe(200);
    expect(answer.body.items).toEqual([{ id: unknown, error: { code: 'not_found', message: `dead letter ${unknown} not found` } }]);
  });

  it('never returns the event’s secret, in the list, the letter or a redrive', async () => {
    const answers = [await list(), await cluster.call('GET', `/v1/dead-letters/${mine}`), await redrive({ ids: [mine] })];
    for (const answer of answers) expect(JSON.stringify(answer.body)).not.toContain(CANARY);
    expect(answers[2].body).toEqual({ items: [{ id: mine, outcome: 'created', jobId: expect.stringMatching(/^job_/) }] });
  });
});
