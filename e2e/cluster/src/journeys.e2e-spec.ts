import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { waitFor } from '@junction/shared/testing';
import { Cluster, RUN_MODES, type RunMode } from './cluster-harness';

interface Job {
  id: string;
  status: string;
  steps?: { stepId: string; status: string; output?: unknown }[];
}

/**
 * What a user does first, the same in both ways to run Junction: a workspace, a connection, a
 * recipe, a webhook, its job, and the audit trail of it all. Standalone runs with every server
 * address pointing at a closed port, so it passes only if it uses none of them.
 */
describe.each(RUN_MODES)('user journeys (%s)', (mode: RunMode) => {
  const cluster = Cluster.inMode(mode);
  const crm = new FakeThirdParty();
  let connectionId = '';
  let recipeId = '';
  let hookUrl = '';

  beforeAll(async () => {
    await crm.start();
    crm.on('POST', '/contacts', { status: 201, json: { id: 'c_1' } });
    await cluster.start(['gateway', 'auth', 'connectors', 'scheduler', 'executor', 'audit']);
  }, 180_000);

  afterAll(async () => {
    await cluster.stop();
    await crm.close();
  }, 60_000);

  it('makes a connection whose secret is never echoed', async () => {
    const created = await cluster.call<{ id: string; credentials?: unknown }>('POST', '/v1/connections', {
      name: 'crm',
      connector: 'http',
      credentials: { token: 'tok-journey-secret', allowedHosts: crm.url },
    });
    expect(created.status).toBe(201);
    connectionId = created.body.id;
    const read = await cluster.call('GET', `/v1/connections/${connectionId}`);
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain('tok-journey-secret');
  });

  it('creates a webhook recipe, starts it, and a webhook becomes one succeeded job that called the third party with the connection', async () => {
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: 'signup to crm',
      trigger: { type: 'webhook' },
      steps: [
        {
          id: 'contact',
          action: 'http.request',
          connection: connectionId,
          input: { method: 'POST', url: `${crm.url}/contacts`, body: { email: '{{ trigger.body.email }}' } },
        },
      ],
    });
    expect(recipe.status).toBe(201);
    recipeId = recipe.body.id;
    hookUrl = await cluster.startHook(recipeId);
    const accepted = await fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ada@example.com' }) });
    expect(accepted.status).toBe(202);
    let done: Job | undefined;
    await waitFor(async () => {
      const list = await cluster.call<{ items: Job[] }>('GET', `/v1/jobs?recipeId=${recipeId}`);
      done = list.body.items.find((j) => ['succeeded', 'failed', 'cancelled'].includes(j.status));
      return done !== undefined;
    }, 30_000);
    const job = await cluster.call<Job>('GET', `/v1/jobs/${done?.id}`);
    if (job.body.status !== 'succeeded') throw new Error(`job ${job.body.status}: ${JSON.stringify(job.body)}`);
    expect(job.body.steps?.map((s) => [s.stepId, s.status])).toEqual([['contact', 'succeeded']]);
    const calls = crm.requestsTo('/contacts');
    expect(calls).toHaveLength(1);
    expect(calls[0].headers['authorization']).toBe('Bearer tok-journey-secret');
    expect(JSON.parse(calls[0].body)).toEqual({ email: 'ada@example.com' });
  }, 60_000);

  it('runs a manual recipe with ?wait=true and answers with its respond step', async () => {
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: 'hello',
      trigger: { type: 'manual' },
      steps: [{ id: 'greet', respond: { body: { hello: '{{ trigger.name }}' } } }],
    });
    const ran = await cluster.call('POST', `/v1/recipes/${recipe.body.id}/runs?wait=true&timeoutMs=15000`, { name: 'Ada' });
    expect({ status: ran.status, body: ran.body }).toEqual({ status: 200, body: { hello: 'Ada' } });
  });

  it('records all of it in a verifiable audit log', async () => {
    let actions: string[] = [];
    await waitFor(async () => {
      const page = await cluster.call<{ items: { action: string }[] }>('GET', '/v1/audit?limit=100');
      actions = page.body.items.map((e) => e.action);
      return ['connection.created', 'recipe.created', 'recipe.started'].every((a) => actions.includes(a));
    }, 15_000);
    expect(actions).toEqual(expect.arrayContaining(['connection.created', 'recipe.created', 'recipe.started']));
    const verified = await cluster.call<{ valid: boolean }>('GET', '/v1/audit/verify');
    expect(verified.status).toBe(200);
    expect(verified.body.valid).toBe(true);
  });
});
