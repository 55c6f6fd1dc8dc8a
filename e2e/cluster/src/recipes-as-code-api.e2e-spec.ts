import { waitFor } from '@junction/shared/testing';
import { Cluster } from './cluster-harness';
import { readEvents } from './sse-reader';

interface Problem {
  status: number;
  detail?: string;
  errors?: { path: string; message: string }[];
}

interface RecipeBody {
  id: string;
  name: string;
  version: number;
  managedBy?: string;
  definition: { steps: { connection?: string }[]; trigger: Record<string, unknown> };
}

const manual = (name: string, steps: Record<string, unknown>[] = [{ id: 's', set: { a: 1 } }]) => ({ name, trigger: { type: 'manual' }, steps });

/** The server side of recipes as code (issue #15): unique names, connections by name, managedBy, lookup by name, job event streams. */
describe('recipes as code: the API the CLI uses', () => {
  const cluster = new Cluster();
  let otherKey = '';

  beforeAll(async () => {
    await cluster.start(['gateway', 'auth', 'connectors', 'executor']);
    const other = await cluster.call<{ apiKey: { key: string } }>('POST', '/v1/workspaces', { name: 'other' }, cluster.rootToken);
    otherKey = other.body.apiKey.key;
  }, 180_000);

  afterAll(() => cluster.stop(), 60_000);

  const connection = (name: string, key = cluster.apiKey) =>
    cluster.call<{ id: string; name: string } & Problem>('POST', '/v1/connections', { name, connector: 'http', credentials: { token: 't', allowedHosts: '127.0.0.1' } }, key);

  it('refuses a second recipe or connection with a taken name with a 409 naming the field, and lets another workspace use it', async () => {
    const first = await cluster.call<RecipeBody>('POST', '/v1/recipes', manual('orders sync'));
    expect(first.status).toBe(201);
    const again = await cluster.call<Problem>('POST', '/v1/recipes', manual('orders sync'));
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect(again.body.errors).toEqual([{ path: '/name', message: `a recipe named "orders sync" already exists (${first.body.id})` }]);

    const second = await cluster.call<RecipeBody>('POST', '/v1/recipes', manual('invoices'));
    const rename = await cluster.call<Problem>('PUT', `/v1/recipes/${second.body.id}`, manual('orders sync'));
    expect([rename.status, rename.body.errors?.[0].path]).toEqual([409, '/name']);
    // keeping its own name is a new version, not a conflict
    expect((await cluster.call<RecipeBody>('PUT', `/v1/recipes/${second.body.id}`, manual('invoices'))).body.version).toBe(2);
    expect((await cluster.call('POST', '/v1/recipes', manual('orders sync'), otherKey)).status).toBe(201);

    // a deleted recipe frees its name
    expect((await cluster.call('DELETE', `/v1/recipes/${second.body.id}`)).status).toBe(200);
    expect((await cluster.call('POST', '/v1/recipes', manual('invoices'))).status).toBe(201);

    expect((await connection('crm')).status).toBe(201);
    const dup = await connection('crm');
    expect(dup.status).toBe(409);
    expect(dup.body.errors?.[0]).toMatchObject({ path: 'name', message: expect.stringContaining('"crm" already exists') });
    const other = await connection('crm 2');
    const renamed = await cluster.call<Problem>('PATCH', `/v1/connections/${other.body.id}`, { name: 'crm' });
    expect([renamed.status, renamed.body.errors?.[0].path]).toEqual([409, 'name']);
    expect((await connection('crm', otherKey)).status).toBe(201);
    const idLike = await connection('conn_01J9Z5Q3X8M4ZK1T7N2B6C0D9E');
    expect([idLike.status, idLike.body.errors?.[0].path]).toEqual([400, 'name']);
  });

  it('resolves a connection given by name to its id, shows names on ?references=names, and refuses an unknown name at its path', async () => {
    const crm = await connection('billing api');
    const steps = [
      { id: 'guard', if: '{{ true }}', then: [{ id: 'send', action: 'http.request', connection: 'billing api', input: { method: 'GET', url: 'http://127.0.0.1:9/x' } }] },
      { id: 'again', action: 'http.request', connection: crm.body.id, input: { method: 'GET', url: 'http://127.0.0.1:9/y' } },
    ];
    const created = await cluster.call<RecipeBody>('POST', '/v1/recipes', manual('by name', steps));
    expect(created.status).toBe(201);
    const stored = created.body.definition as unknown as { steps: [{ then: [{ connection: string }] }, { connection: string }] };
    expect([stored.steps[0].then[0].connection, stored.steps[1].connection]).toEqual([crm.body.id, crm.body.id]);

    const exported = await cluster.call<RecipeBody>('GET', `/v1/recipes/${created.body.id}?references=names`);
    const named = exported.body.definition as unknown as typeof stored;
    expect([named.steps[0].then[0].connection, named.steps[1].connection]).toEqual(['billing api', 'billing api']);
    const asStored = await cluster.call<RecipeBody>('GET', `/v1/recipes/${created.body.id}`);
    expect((asStored.body.definition as unknown as typeof stored).steps[1].connection).toBe(crm.body.id);
    const listed = await cluster.call<{ items: RecipeBody[] }>('GET', `/v1/recipes?name=${encodeURIComponent('by name')}&references=names`);
    expect((listed.body.items[0].definition as unknown as typeof stored).steps[1].connection).toBe('billing api');

    // a rename does not change the stored version; the export shows the new name
    await cluster.call('PATCH', `/v1/connections/${crm.body.id}`, { name: 'billing api v2' });
    const afterRename = await cluster.call<RecipeBody>('GET', `/v1/recipes/${created.body.id}?references=names`);
    expect((afterRename.body.definition as unknown as typeof stored).steps[1].connection).toBe('billing api v2');

    const unknown = await cluster.call<Problem>('PUT', `/v1/recipes/${created.body.id}`, manual('by name', steps));
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([{ path: '/steps/0/then/0/connection', message: 'no connection named "billing api" in this workspace' }]);
    // another workspace's connection name does not resolve here
    const foreign = await cluster.call<Problem>('POST', '/v1/recipes', manual('foreign', [steps[1]]), otherKey);
    expect(foreign.status).toBe(201);
    const foreignByName = await cluster.call<Problem>('POST', '/v1/recipes', manual('foreign 2', [{ ...steps[1], connection: 'billing api v2' }]), otherKey);
    expect([foreignByName.status, foreignByName.body.errors?.[0].path]).toEqual([422, '/steps/0/connection']);
    expect((await cluster.call<RecipeBody>('GET', `/v1/recipes/${created.body.id}`)).body.version).toBe(1);
  });

  it('keeps a managedBy marker out of the definition, filters the list by it and by exact name, and clears it with null', async () => {
    const managed = await cluster.call<RecipeBody>('POST', '/v1/recipes', { ...manual('cli one'), managedBy: 'junction-cli' });
    expect(managed.status).toBe(201);
    expect(managed.body.managedBy).toBe('junction-cli');
    expect(managed.body.definition).not.toHaveProperty('managedBy');
    const alsoManaged = await cluster.call<RecipeBody>('POST', '/v1/recipes', { ...manual('cli two'), managedBy: 'junction-cli' });
    await cluster.call('POST', '/v1/recipes', { ...manual('another tool'), managedBy: 'terraform' });
    await cluster.call('POST', '/v1/recipes', manual('console made'));

    const mine = await cluster.call<{ items: RecipeBody[]; nextCursor?: string }>('GET', '/v1/recipes?managedBy=junction-cli&limit=1');
    expect(mine.body.items.map((r) => r.name)).toEqual(['cli two']);
    const page2 = await cluster.call<{ items: RecipeBody[]; nextCursor?: string }>('GET', `/v1/recipes?managedBy=junction-cli&limit=1&cursor=${mine.body.nextCursor}`);
    expect(page2.body.items.map((r) => r.name)).toEqual(['cli one']);
    expect(page2.body.nextCursor).toBeUndefined();

    const byName = await cluster.call<{ items: RecipeBody[] }>('GET', `/v1/recipes?name=${encodeURIComponent('console made')}`);
    expect(byName.body.items.map((r) => [r.name, r.managedBy])).toEqual([['console made', undefined]]);
    expect((await cluster.call<{ items: RecipeBody[] }>('GET', '/v1/recipes?name=Console%20made')).body.items).toEqual([]);
    expect((await cluster.call<{ items: RecipeBody[] }>('GET', '/v1/recipes?name=cli%20one', undefined, otherKey)).body.items).toEqual([]);

    // absent on PUT keeps the marker; null clears it
    expect((await cluster.call<RecipeBody>('PUT', `/v1/recipes/${alsoManaged.body.id}`, manual('cli two'))).body.managedBy).toBe('junction-cli');
    const cleared = await cluster.call<RecipeBody>('PUT', `/v1/recipes/${alsoManaged.body.id}`, { ...manual('cli two'), managedBy: null });
    expect(cleared.body.managedBy).toBeUndefined();
    expect((await cluster.call<{ items: RecipeBody[] }>('GET', '/v1/recipes?managedBy=junction-cli')).body.items.map((r) => r.name)).toEqual(['cli one']);

    const bad = await cluster.call<Problem>('POST', '/v1/recipes', { ...manual('bad marker'), managedBy: 'line\nbreak' });
    expect([bad.status, bad.body.errors?.[0].path]).toEqual([400, '/managedBy']);
    expect((await cluster.call('GET', '/v1/recipes?managedBy=%0A')).status).toBe(400);
  });

  it("streams a job's steps as events, then `end`, and closes; another workspace's job is a 404", async () => {
    const recipe = await cluster.call<RecipeBody>(
      'POST',
      '/v1/recipes',
      manual('slow steps', [
        { id: 'first', set: { a: 1 } },
        { id: 'pause', delay: '1500ms' },
        { id: 'last', set: { b: 2 } },
      ]),
    );
    expect((await cluster.call('POST', `/v1/recipes/${recipe.body.id}/start`)).status).toBe(200);
    expect((await cluster.call('POST', `/v1/recipes/${recipe.body.id}/runs`, {})).status).toBe(202);
    let jobId = '';
    await waitFor(async () => {
      jobId = (await cluster.call<{ items: { id: string }[] }>('GET', `/v1/jobs?recipeId=${recipe.body.id}`)).body.items[0]?.id ?? '';
      return jobId !== '';
    });

    const started = Date.now();
    const stream = await readEvents(`${cluster.gatewayUrl}/v1/jobs/${jobId}/events`, cluster.apiKey);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toContain('text/event-stream');
    expect(stream.closedByServer).toBe(true);
    expect(Date.now() - started).toBeLessThan(20_000);
    const steps = stream.events.filter((e) => e.event === 'step').map((e) => e.data as { stepId: string; status: string; kind: string; durationMs: number });
    expect(steps.filter((s) => s.status === 'succeeded').map((s) => s.stepId)).toEqual(expect.arrayContaining(['first', 'pause', 'last']));
    expect(steps.every((s) => typeof s.kind === 'string' && s.durationMs >= 0)).toBe(true);
    expect(stream.events[0]).toMatchObject({ event: 'job', data: { id: jobId } });
    expect(stream.events[stream.events.length - 1]).toEqual({ event: 'end', data: expect.objectContaining({ id: jobId, status: 'succeeded' }) });

    // a reconnect after the last step gets no step again, only the job and its end
    const lastSeq = Math.max(...stream.events.filter((e) => e.event === 'step').map((e) => Number(e.id)));
    const resumed = await readEvents(`${cluster.gatewayUrl}/v1/jobs/${jobId}/events`, cluster.apiKey, { 'last-event-id': String(lastSeq) });
    expect(resumed.events.map((e) => e.event)).toEqual(['job', 'end']);

    const foreign = await readEvents(`${cluster.gatewayUrl}/v1/jobs/${jobId}/events`, otherKey);
    expect([foreign.status, foreign.contentType]).toEqual([404, expect.stringContaining('application/problem+json')]);
    expect((await readEvents(`${cluster.gatewayUrl}/v1/jobs/job_01J9Z5Q3X8M4ZK1T7N2B6C0D9E/events`, cluster.apiKey)).status).toBe(404);
    expect((await readEvents(`${cluster.gatewayUrl}/v1/jobs/nope/events`, cluster.apiKey)).status).toBe(400);
  }, 60_000);

  it('keeps a quiet stream alive with a comment every 15 s', async () => {
    const recipe = await cluster.call<RecipeBody>('POST', '/v1/recipes', manual('quiet', [{ id: 'nap', delay: '30s' }]));
    await cluster.call('POST', `/v1/recipes/${recipe.body.id}/start`);
    await cluster.call('POST', `/v1/recipes/${recipe.body.id}/runs`, {});
    let jobId = '';
    await waitFor(async () => {
      jobId = (await cluster.call<{ items: { id: string }[] }>('GET', `/v1/jobs?recipeId=${recipe.body.id}`)).body.items[0]?.id ?? '';
      return jobId !== '';
    });
    // 15 s of heartbeat interval plus one 250 ms poll and some slack
    const quiet = await readEvents(`${cluster.gatewayUrl}/v1/jobs/${jobId}/events`, cluster.apiKey, {}, 16_500);
    expect(quiet.closedByServer).toBe(false);
    expect(quiet.comments).toBeGreaterThanOrEqual(1);
    expect(quiet.events.map((e) => e.event)).not.toContain('end');
    await cluster.call('POST', `/v1/jobs/${jobId}/cancel`);
  }, 40_000);

  it('documents the new query parameters, the 409s and the event stream in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${cluster.gatewayUrl}/docs/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { parameters?: { name: string }[]; responses: Record<string, { content?: Record<string, unknown> }> }>>;
    };
    const params = (path: string, method = 'get') => (doc.paths[path][method].parameters ?? []).map((p) => p.name);
    expect(params('/v1/recipes')).toEqual(expect.arrayContaining(['name', 'managedBy', 'references', 'cursor', 'limit']));
    expect(params('/v1/recipes/{id}')).toContain('references');
    expect(Object.keys(doc.paths['/v1/recipes'].post.responses)).toEqual(expect.arrayContaining(['201', '409', '422']));
    expect(Object.keys(doc.paths['/v1/connections'].post.responses)).toContain('409');
    const events = doc.paths['/v1/jobs/{id}/events'].get;
    expect(Object.keys(events.responses['200'].content ?? {})).toEqual(['text/event-stream']);
    expect(Object.keys(events.responses)).toEqual(expect.arrayContaining(['200', '404', '429']));
  });
});
