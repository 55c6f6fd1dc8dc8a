import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { waitFor } from '@junction/shared/testing';
import { Cluster } from '../cluster-harness';

interface Approval {
  id: string;
  jobId: string;
  state: string;
  title: string;
  description?: string;
  comment?: string;
}
interface Problem {
  status: number;
  errors?: { path: string; message: string }[];
}

const INJECTED = `<script>alert("t")</script><img src=x onerror=alert(1)>`;

/**
 * Approvals (#16.2) in the wrong hands: a tampered or forged link, another workspace's approval
 * through the API, roles below operator deciding, a replayed POST, markup in the title and the
 * comment, an oversize comment, and no credentials at all.
 */
describe('approvals (hostile)', () => {
  const cluster = Cluster.inMode('cluster');
  const slack = new FakeThirdParty();
  let recipeId = '';
  let otherKey = '';
  let runs = 0;

  const expectProblem = (answer: { status: number; headers: Headers; body: unknown }, status: number, path?: string) => {
    expect(answer.status).toBe(status);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    if (path) expect(((answer.body as Problem).errors ?? []).map((e) => e.path)).toContain(path);
  };
  const local = (link: string) => `${cluster.gatewayUrl}${new URL(link).pathname}`;
  const post = (url: string, body = '') => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  /** A new job waiting on its approval, with the links its notify step posted. */
  const waiting = async (trigger: Record<string, string> = {}) => {
    const who = `${trigger['who'] ?? 'Ada'}-${++runs}`;
    const started = await cluster.call('POST', `/v1/recipes/${recipeId}/runs`, { ...trigger, who });
    expect(started.status).toBe(202);
    const approval = await waitFor(
      async () => (await cluster.call<{ items: Approval[] }>('GET', '/v1/approvals?state=pending&limit=100')).body.items.find((a) => a.title.startsWith(`Pay ${who}?`)),
      30_000,
    );
    const message = await waitFor(() => slack.requestsTo('/slack').find((r) => (r.json as { id?: string }).id === approval.id)?.json as { text: string } | undefined, 30_000);
    const [, approve, reject] = /approve (\S+) reject (\S+)/.exec(message.text) ?? [];
    return { approval, approve: local(approve), reject: local(reject) };
  };

  beforeAll(async () => {
    slack.on('POST', '/slack', { status: 200, json: { ok: true } });
    await slack.start();
    await cluster.start(['gateway', 'auth', 'connectors', 'scheduler', 'executor', 'audit']);
    const created = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: 'approvals-hostile',
      trigger: { type: 'manual' },
      steps: [
        {
          id: 'gate',
          approval: {
            title: `Pay {{ trigger.who }}? ${INJECTED}`,
            description: '{{ trigger.note }}',
            timeout: '10m',
            notify: {
              action: 'http.request',
              input: { method: 'POST', url: `${slack.url}/slack`, body: { text: 'approve {{ approval.approveUrl }} reject {{ approval.rejectUrl }}', id: '{{ approval.id }}' } },
            },
          },
        },
      ],
    });
    expect(created.status).toBe(201);
    recipeId = created.body.id;
    expect((await cluster.call('POST', `/v1/recipes/${recipeId}/start`)).status).toBe(200);
    otherKey = (await cluster.call<{ apiKey: { key: string } }>('POST', '/v1/workspaces', { name: 'other' }, cluster.rootToken)).body.apiKey.key;
  }, 240_000);

  afterAll(async () => {
    await cluster.stop();
    await slack.close();
  }, 60_000);

  it('refuses tampered, forged and malformed tokens with a 4xx page, deciding nothing', async () => {
    const { approval, approve } = await waiting();
    const [prefix, token] = [approve.slice(0, approve.lastIndexOf('/') + 1), approve.slice(approve.lastIndexOf('/') + 1)];
    const [payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
    const longer = Buffer.from(JSON.stringify({ ...claims, e: (claims['e'] as number) + 86_400_000 })).toString('base64url');
    const otherDecision = Buffer.from(JSON.stringify({ ...claims, d: 'reject' })).toString('base64url');
    for (const bad of [
      `${payload}.${flipped}`,
      `${longer}.${signature}`,
      `${otherDecision}.${signature}`,
      `${payload}.${'A'.repeat(43)}`,
      'not-a-token',
      `${payload}`,
      '%3Cscript%3E',
    ]) {
      for (const answer of [await fetch(prefix + bad), await post(prefix + bad)]) {
        expect(answer.status).toBe(400);
        expect(answer.headers.get('content-type')).toContain('text/html');
        expect(await answer.text()).toContain('Invalid link');
      }
    }
    expect((await cluster.call<Approval>('GET', `/v1/approvals/${approval.id}`)).body.state).toBe('pending');
  }, 60_000);

  it('another workspace can neither list, read nor decide my approval through the API', async () => {
    const { approval } = await waiting();
    expect((await cluster.call<{ items: Approval[] }>('GET', '/v1/approvals', undefined, otherKey)).body.items).toEqual([]);
    expectProblem(await cluster.call('GET', `/v1/approvals/${approval.id}`, undefined, otherKey), 404);
    expectProblem(await cluster.call('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve' }, otherKey), 404);
    expect((await cluster.call<Approval>('GET', `/v1/approvals/${approval.id}`)).body.state).toBe('pending');
  }, 60_000);

  it('lets an auditor and a builder read but not decide, nor find a link in what they read; no key at all is a 401', async () => {
    const { approval, approve, reject } = await waiting();
    const tokens = [approve, reject].map((link) => link.slice(link.lastIndexOf('/') + 1).split('.')[1]);
    for (const role of ['auditor', 'builder']) {
      const key = (await cluster.call<{ key: string }>('POST', '/v1/api-keys', { name: role, role })).body.key;
      const read = [
        await cluster.call('GET', `/v1/approvals/${approval.id}`, undefined, key),
        await cluster.call('GET', '/v1/approvals', undefined, key),
        await cluster.call('GET', `/v1/jobs/${approval.jobId}`, undefined, key),
      ];
      expect(read.map((r) => r.status)).toEqual([200, 200, 200]);
      for (const answer of read) for (const token of tokens) expect(JSON.stringify(answer.body)).not.toContain(token);
      expectProblem(await cluster.call('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve' }, key), 403);
    }
    for (const [method, path] of [
      ['GET', '/v1/approvals'],
      ['GET', `/v1/approvals/${approval.id}`],
      ['POST', `/v1/approvals/${approval.id}/decision`],
    ] as const) {
      const answer = await fetch(`${cluster.gatewayUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: '{"decision":"approve"}' } : {}),
      });
      expect(answer.status).toBe(401);
    }
    expect((await cluster.call<Approval>('GET', `/v1/approvals/${approval.id}`)).body.state).toBe('pending');
  }, 60_000);

  it('escapes markup from the title, the description and the comment on every page', async () => {
    const { approval, approve } = await waiting({ who: '<b>Eve</b>', note: `"><svg onload=alert(2)>` });
    const page = await fetch(approve);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>Eve</b>');
    expect(html).not.toContain('<svg');
    expect(html).toContain('&#60;script&#62;');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; style-src 'nonce-[A-Za-z0-9+/=]+'; form-action 'self'; frame-ancestors 'none'/);
    const decided = await post(approve, new URLSearchParams({ comment: INJECTED }).toString());
    expect(decided.status).toBe(200);
    const after = await (await fetch(approve)).text();
    expect(after).not.toContain('<script>alert');
    // stored as given (it is data), returned as JSON
    expect((await cluster.call<Approval>('GET', `/v1/approvals/${approval.id}`)).body.comment).toBe(INJECTED);
  }, 60_000);

  it('a replayed POST decides nothing more; an oversize or non-string comment and a bad decision are 400s naming the field', async () => {
    const { approval, approve, reject } = await waiting();
    expectProblem(await cluster.call('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve', comment: 'x'.repeat(2001) }), 400, 'comment');
    expectProblem(await cluster.call('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve', comment: 7 }), 400, 'comment');
    expectProblem(await cluster.call('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'yes' }), 400, 'decision');
    expectProblem(await cluster.call('POST', `/v1/approvals/${approval.id}/decision`, {}), 400, 'decision');
    expectProblem(await cluster.call('POST', '/v1/approvals/job_01ARZ3NDEKTSV4RRFFQ69G5FAV/decision', { decision: 'approve' }), 400, 'id');
    expectProblem(await cluster.call('GET', '/v1/approvals?state=open'), 400, 'state');
    expectProblem(await cluster.call('GET', '/v1/approvals/apr_01ARZ3NDEKTSV4RRFFQ69G5FAV'), 404);
    const oversize = await post(approve, new URLSearchParams({ comment: 'y'.repeat(2001) }).toString());
    expect(oversize.status).toBe(400);
    expect(await oversize.text()).toContain('comment must be at most 2000 characters');
    expect((await cluster.call<Approval>('GET', `/v1/approvals/${approval.id}`)).body.state).toBe('pending');

    const first = await post(reject);
    expect(first.status).toBe(200);
    const replays = await Promise.all([post(reject), post(reject), post(approve)]);
    expect(replays.map((r) => r.status)).toEqual([409, 409, 409]);
    const audit = await waitFor(async () => {
      const items = (await cluster.call<{ items: { action: string }[] }>('GET', `/v1/audit?target=approval:${approval.id}&limit=100`)).body.items;
      return items.length > 0 ? items : undefined;
    }, 20_000);
    // a moment for a second event, were the replays to make one
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await cluster.call<{ items: { action: string }[] }>('GET', `/v1/audit?target=approval:${approval.id}&limit=100`)).body.items.map((e) => e.action)).toEqual([
      'approval.decided',
    ]);
    expect(audit).toHaveLength(1);
    expect((await cluster.call<Approval>('GET', `/v1/approvals/${approval.id}`)).body).toMatchObject({ state: 'decided' });
  }, 60_000);

  // last: it spends this address's budget for the link routes
  it('throttles one address hammering the link routes (429 with Retry-After), before the executor is asked', async () => {
    const { approval, approve } = await waiting();
    const prefix = approve.slice(0, approve.lastIndexOf('/') + 1);
    const forged = `${Buffer.from('{"a":"x"}').toString('base64url')}.${'A'.repeat(43)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 130 && !statuses.includes(429); i++) statuses.push((await fetch(prefix + forged)).status);
    expect(statuses.filter((s) => s === 400).length).toBeGreaterThan(50);
    const refused = await post(approve);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.text()).toContain('Nothing was decided');
    expect((await cluster.call<Approval>('GET', `/v1/approvals/${approval.id}`)).body.state).toBe('pending');
  }, 60_000);
});
