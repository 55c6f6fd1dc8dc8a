import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { waitFor } from '@junction/shared/testing';
import { Cluster } from '../cluster-harness';

const CANARY = 'canary-5ecret-7f3a91';

interface Problem {
  status: number;
  detail?: string;
  errors?: { path: string; message: string }[];
}

/**
 * Replay as an attacker would try it (#16.4): another workspace's recipe or jobs, a job of another
 * recipe, roles below builder, oversized and crafted bodies; and secrets from a connection and from
 * the trigger never in the answer. Every refusal names the field and reveals nothing of the other
 * workspace; the sink sees nothing during any replay.
 */
describe('hostile: replay across workspaces, roles and crafted bodies', () => {
  const cluster = Cluster.inMode('cluster');
  const sink = new FakeThirdParty();
  let keyB = '';
  let recipeA = '';
  let otherRecipeA = '';
  let jobsA: string[] = [];
  let otherJobA = '';

  const recipe = (name: string, email: string, connection: string) => ({
    name,
    trigger: { type: 'webhook' },
    steps: [
      { id: 'map', set: { email, authorization: '{{ trigger.headers.authorization }}', password: '{{ trigger.body.password }}' } },
      { id: 'post', action: 'http.request', connection, input: { method: 'POST', url: `${sink.url}/crm`, body: { email: '{{ vars.email }}' } } },
    ],
  });
  const replay = (body: unknown, key = cluster.apiKey, id = recipeA) => cluster.call<Problem & Record<string, unknown>>('POST', `/v1/recipes/${id}/replay`, body, key);

  async function recordJobs(id: string, count: number): Promise<string[]> {
    const hook = await cluster.startHook(id);
    for (let i = 0; i < count; i++) {
      const res = await fetch(hook, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${CANARY}` },
        body: JSON.stringify({ email: `Person${i}@Example.com`, password: CANARY }),
      });
      expect(res.status).toBe(202);
    }
    let ids: string[] = [];
    await waitFor(
      async () => {
        const list = await cluster.call<{ items: { id: string; status: string }[] }>('GET', `/v1/jobs?recipeId=${id}`);
        ids = list.body.items.filter((j) => j.status === 'succeeded').map((j) => j.id);
        return ids.length === count;
      },
      60_000,
      200,
    );
    return ids;
  }

  beforeAll(async () => {
    await sink.start();
    sink.on('POST', '/crm', { json: { ok: true } });
    await cluster.start(['gateway', 'auth', 'connectors', 'scheduler', 'executor', 'audit']);
    const connection = await cluster.call<{ id: string }>('POST', '/v1/connections', { name: 'crm', connector: 'http', credentials: { token: CANARY, allowedHosts: sink.url } });
    expect(connection.status).toBe(201);
    const a = await cluster.call<{ id: string }>('POST', '/v1/recipes', recipe('replay-a', '{{ trigger.body.email }}', connection.body.id));
    const other = await cluster.call<{ id: string }>('POST', '/v1/recipes', recipe('replay-other', '{{ trigger.body.email }}', connection.body.id));
    [recipeA, otherRecipeA] = [a.body.id, other.body.id];
    jobsA = await recordJobs(recipeA, 3);
    [otherJobA] = await recordJobs(otherRecipeA, 1);
    expect((await cluster.call('PUT', `/v1/recipes/${recipeA}`, recipe('replay-a', '{{ $lowercase(trigger.body.email) }}', connection.body.id))).status).toBe(200);
    const b = await cluster.call<{ apiKey: { key: string } }>('POST', '/v1/workspaces', { name: 'b' }, cluster.rootToken);
    keyB = b.body.apiKey.key;
    // the authorization header reached the sink from the connection: the secret was really used
    expect(sink.requestsTo('/crm').some((r) => JSON.stringify(r.headers).includes(CANARY))).toBe(true);
  }, 240_000);

  afterAll(async () => {
    await cluster.stop();
    await sink.close();
  }, 60_000);

  it('never shows a secret of the connection or the trigger, and sends nothing', async () => {
    const sent = sink.requests.length;
    const answer = await replay({ version: 2, jobs: { ids: jobsA } });
    expect(answer.status).toBe(200);
    expect(answer.body['summary']).toEqual({ jobs: 3, changed: 3, callsAnew: 3 });
    expect(JSON.stringify(answer.body)).not.toContain(CANARY);
    expect(JSON.stringify(answer.body)).toContain('[redacted]');
    const same = await replay({ version: 1, jobs: { filter: { status: 'succeeded' } } });
    expect(same.body['summary']).toEqual({ jobs: 3, changed: 0, callsAnew: 0 });
    expect(JSON.stringify(same.body)).not.toContain(CANARY);
    expect(sink.requests.length).toBe(sent);
  }, 60_000);

  it("another workspace can replay neither A's recipe nor A's jobs, and learns nothing of them", async () => {
    const foreign = await replay({ version: 1, jobs: { ids: jobsA } }, keyB);
    expect(foreign.status).toBe(404);
    expect(JSON.stringify(foreign.body)).not.toContain('replay-a');
    const mine = await cluster.call<{ id: string }>('POST', '/v1/recipes', { name: 'b-own', trigger: { type: 'manual' }, steps: [{ id: 's', set: { a: 1 } }] }, keyB);
    const stolen = await replay({ version: 1, jobs: { ids: [jobsA[0]] } }, keyB, mine.body.id);
    expect(stolen.status).toBe(404);
    expect(stolen.body.errors).toEqual([{ path: 'jobs.ids', message: `job ${jobsA[0]} not found among the jobs of this recipe` }]);
    expect(JSON.stringify(stolen.body)).not.toMatch(/Person|succeeded|replay-a/);
    const swept = await replay({ version: 1, jobs: { filter: {} } }, keyB, mine.body.id);
    expect(swept.body['summary']).toEqual({ jobs: 0, changed: 0, callsAnew: 0 });
  }, 30_000);

  it('a job of another recipe of the same workspace is named as not found', async () => {
    const mixed = await replay({ version: 2, jobs: { ids: [jobsA[0], otherJobA] } });
    expect(mixed.status).toBe(404);
    expect(mixed.body.errors).toEqual([{ path: 'jobs.ids', message: `job ${otherJobA} not found among the jobs of this recipe` }]);
  }, 30_000);

  it('auditors and operators are refused; builders may replay', async () => {
    for (const role of ['auditor', 'operator']) {
      const key = await cluster.call<{ key: string }>('POST', '/v1/api-keys', { name: `replay-${role}`, role });
      expect((await replay({ version: 2, jobs: { ids: jobsA } }, key.body.key)).status).toBe(403);
    }
    const builder = await cluster.call<{ key: string }>('POST', '/v1/api-keys', { name: 'replay-builder', role: 'builder' });
    expect((await replay({ version: 2, jobs: { ids: jobsA } }, builder.body.key)).status).toBe(200);
  }, 30_000);

  it('oversized and crafted bodies are 400s naming the field, never 5xx', async () => {
    const tooMany = Array.from({ length: 201 }, () => jobsA[0]);
    const crafted: [unknown, string][] = [
      [{ version: 2, jobs: { ids: tooMany } }, 'jobs.ids'],
      [{ version: 2, jobs: { ids: jobsA, filter: {} } }, 'jobs.filter'],
      [{ version: 2, jobs: {} }, 'jobs.ids'],
      [{ version: 2 }, 'jobs'],
      [{ version: '2', jobs: { ids: jobsA } }, 'version'],
      [{ version: 0, jobs: { ids: jobsA } }, 'version'],
      [{ version: 2, jobs: { ids: ['job_../../etc'] } }, 'jobs.ids'],
      [{ version: 2, jobs: { ids: [{ $ne: null }] } }, 'jobs.ids'],
      [{ version: 2, jobs: { filter: { status: 'weird' } } }, 'jobs.filter.status'],
      [{ version: 2, jobs: { filter: { since: 'yesterday' } } }, 'jobs.filter.since'],
      [{ version: 2, jobs: { filter: { limit: 500 } } }, 'jobs.filter.limit'],
      [{ version: 2, jobs: { filter: { recipeId: otherRecipeA } } }, 'jobs.filter.recipeId'],
      [{ version: 2, jobs: { ids: jobsA }, workspaceId: 'ws_other' }, 'workspaceId'],
    ];
    for (const [body, path] of crafted) {
      const res = await replay(body);
      expect([body, res.status]).toEqual([body, 400]);
      expect([body, res.body.errors?.map((e) => e.path)]).toEqual([body, expect.arrayContaining([path])]);
    }
    const unknown = await replay({ version: 99, jobs: { ids: jobsA } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors?.map((e) => e.path)).toEqual(['version']);
  }, 30_000);
});
