import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { startServiceProcess, waitFor } from '@junction/shared/testing';
import { Cluster, RUN_MODES, type RunMode } from './cluster-harness';
import { TriggerStreamAccess } from './trigger-stream-access';

interface Approval {
  id: string;
  jobId: string;
  state: string;
  title: string;
  decision?: string;
  comment?: string;
  decidedBy?: { type: string; id: string };
}
interface Job {
  id: string;
  status: string;
  error?: { kind: string };
  output?: Record<string, unknown>;
}
interface AuditEvent {
  action: string;
  actor: { type: string; id: string };
  target: { type: string; id: string };
  changes?: Record<string, unknown>;
}

/**
 * Approval steps (#16.2) end to end, in both modes: a notify step posts the signed links to a local
 * Slack-like sink; opening a link shows a confirmation page and decides nothing; its POST decides
 * once (the job resumes and its next step sees the decision); a second use, the other link and an
 * expired link are refused; the API decides with the operator role; every decision is audited.
 * Hostile cases (tampering, other workspaces, lesser roles, injection): hostile/approvals.hostile-spec.ts.
 */
describe.each(RUN_MODES)('approvals (%s)', (mode: RunMode) => {
  const cluster = Cluster.inMode(mode);
  const below = new TriggerStreamAccess(cluster);
  const slack = new FakeThirdParty();
  let recipeId = '';
  let shortId = '';

  const recipe = (sink: string) => ({
    name: 'refund approval',
    trigger: { type: 'manual' },
    steps: [
      {
        id: 'manager',
        approval: {
          title: 'Refund {{ trigger.amount }} EUR to {{ trigger.customer }}?',
          description: 'Order {{ trigger.order }}',
          timeout: '10m',
          notify: {
            action: 'http.request',
            input: { method: 'POST', url: `${sink}/slack`, body: { text: 'approve {{ approval.approveUrl }} reject {{ approval.rejectUrl }}', id: '{{ approval.id }}' } },
          },
        },
      },
      {
        id: 'after',
        action: 'http.request',
        input: {
          method: 'POST',
          url: `${sink}/after`,
          body: {
            order: '{{ trigger.order }}',
            decision: '{{ steps.manager.decision }}',
            approved: '{{ steps.manager.approved }}',
            by: '{{ steps.manager.by }}',
            comment: '{{ steps.manager.comment }}',
          },
        },
      },
    ],
  });

  /** Runs the recipe and answers the approval its job waits on (found by its rendered title). */
  const run = async (id: string, trigger: Record<string, unknown>, title: string) => {
    const started = await cluster.call('POST', `/v1/recipes/${id}/runs`, trigger);
    expect(started.status).toBe(202);
    return waitFor(async () => {
      const list = await cluster.call<{ items: Approval[] }>('GET', '/v1/approvals?state=pending&limit=100');
      return list.body.items.find((a) => a.title === title);
    }, 30_000);
  };
  /** The message the notify step posted for this approval. */
  const notified = (approvalId: string) =>
    waitFor(() => slack.requestsTo('/slack').find((r) => (r.json as { id?: string } | undefined)?.id === approvalId)?.json as { text: string; id: string } | undefined, 30_000);
  const linksOf = (text: string) => {
    const [, approve, reject] = /approve (\S+) reject (\S+)/.exec(text) ?? [];
    return { approve, reject };
  };
  /** The link as served by this cluster's gateway (cluster mode: the executor's public URL is a placeholder). */
  const local = (link: string) => `${cluster.gatewayUrl}${new URL(link).pathname}`;
  const job = (id: string) => cluster.call<Job>('GET', `/v1/jobs/${id}`);
  const ended = (id: string) =>
    waitFor(async () => {
      const read = (await job(id)).body;
      return ['succeeded', 'failed', 'cancelled'].includes(read.status) ? read : undefined;
    }, 30_000);
  /** The approval's audit events, once there are `count` (they are published after the decision commits). */
  const auditOf = (id: string, count = 1) =>
    waitFor(async () => {
      const items = (await cluster.call<{ items: AuditEvent[] }>('GET', `/v1/audit?target=approval:${id}&limit=100`)).body.items;
      return items.length >= count ? items : undefined;
    }, 20_000);
  const afterCall = (order: string) =>
    waitFor(() => slack.requestsTo('/after').find((r) => (r.json as { order: string }).order === order)?.json as Record<string, unknown> | undefined, 30_000);
  const form = (comment?: string) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: comment === undefined ? '' : new URLSearchParams({ comment }).toString(),
  });

  /** The refund recipe under another name, notifying to `path` of the sink (started). */
  const notifyingTo = async (name: string, path: string) => {
    const created = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      ...recipe(slack.url),
      name,
      steps: recipe(slack.url).steps.map((s) =>
        s.id === 'manager' ? { ...s, approval: { ...s.approval, notify: { ...s.approval?.notify, input: { ...s.approval?.notify.input, url: `${slack.url}${path}` } } } } : s,
      ),
    });
    expect(created.status).toBe(201);
    expect((await cluster.call('POST', `/v1/recipes/${created.body.id}/start`)).status).toBe(200);
    return created;
  };
  /** Kills the executor (cluster) or the whole process (standalone) and starts it again. */
  const killExecutor = async () => {
    if (mode === 'standalone') {
      await cluster.killAndRestartStandalone();
    } else {
      await cluster.services.get('executor')?.kill();
      cluster.services.set('executor', await startServiceProcess('executor', cluster.env()));
    }
  };

  beforeAll(async () => {
    slack.on('POST', '/slack', { status: 200, json: { ok: true } }).on('POST', '/after', { status: 200, json: { ok: true } });
    // the crash-window test's notify: the first call is received and never answered (the executor is killed meanwhile), the re-sent one is answered
    slack.on('POST', '/slack-crash', [{ hang: true }, { status: 200, json: { ok: true } }]);
    slack.on('POST', '/slack-lost', [{ hang: true }, { status: 200, json: { ok: true } }]);
    await slack.start();
    await cluster.start(['gateway', 'auth', 'connectors', 'scheduler', 'executor', 'audit']);
    const created = await cluster.call<{ id: string }>('POST', '/v1/recipes', recipe(slack.url));
    expect(created.status).toBe(201);
    recipeId = created.body.id;
    expect((await cluster.call('POST', `/v1/recipes/${recipeId}/start`)).status).toBe(200);
    const short = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: 'short approval',
      trigger: { type: 'manual' },
      steps: [
        {
          id: 'guard',
          try: [
            {
              id: 'manager',
              approval: {
                title: 'Quick one',
                timeout: '3s',
                notify: {
                  action: 'http.request',
                  input: {
                    method: 'POST',
                    url: `${slack.url}/slack`,
                    body: { text: 'approve {{ approval.approveUrl }} reject {{ approval.rejectUrl }}', id: '{{ approval.id }}' },
                  },
                },
              },
            },
          ],
          catch: [{ id: 'caught', set: { kind: '{{ steps.guard.error.kind }}' } }],
        },
        { id: 'after', action: 'http.request', input: { method: 'POST', url: `${slack.url}/after`, body: { order: 'short', kind: '{{ vars.kind }}' } } },
      ],
    });
    expect(short.status).toBe(201);
    shortId = short.body.id;
    expect((await cluster.call('POST', `/v1/recipes/${shortId}/start`)).status).toBe(200);
  }, 240_000);

  afterAll(async () => {
    await cluster.stop();
    await slack.close();
  }, 60_000);

  it('an approve link shows a page on GET (deciding nothing), decides once on POST, and the job resumes with approved', async () => {
    const approval = await run(recipeId, { amount: 40, customer: 'Ada', order: 'o-1' }, 'Refund 40 EUR to Ada?');
    const jobId = approval.jobId;
    expect(approval).toMatchObject({ title: 'Refund 40 EUR to Ada?', state: 'pending' });
    const message = await notified(approval.id);
    expect(message.id).toBe(approval.id);
    const { approve, reject } = linksOf(message.text);
    expect(new URL(approve).pathname).toMatch(/^\/approvals\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    if (mode === 'standalone') expect(approve.startsWith(`${cluster.gatewayUrl}/approvals/`)).toBe(true);

    // a link preview (GET, twice) shows the page and decides nothing
    for (let i = 0; i < 2; i++) {
      const page = await fetch(local(approve));
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      const html = await page.text();
      expect(html).toContain('Refund 40 EUR to Ada?');
      expect(html).toContain('<form method="post">');
      expect(html).not.toContain('<script');
    }
    expect((await cluster.call<Approval>('GET', `/v1/approvals/${approval.id}`)).body.state).toBe('pending');
    expect((await job(jobId)).body.status).toBe('running');

    const decided = await fetch(local(approve), form('fine by me'));
    expect(decided.status).toBe(200);
    expect(await decided.text()).toContain('Approved');
    expect((await ended(jobId)).status).toBe('succeeded');
    expect(await afterCall('o-1')).toEqual({ order: 'o-1', decision: 'approved', approved: true, by: 'link', comment: 'fine by me' });

    // used: the same link and the other one are refused, and nothing changes
    const again = await fetch(local(approve), form());
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('already approved');
    expect((await fetch(local(reject), form())).status).toBe(409);
    expect((await fetch(local(reject))).status).toBe(409);
    expect((await cluster.call<Approval>('GET', `/v1/approvals/${approval.id}`)).body).toMatchObject({
      state: 'decided',
      decision: 'approved',
      comment: 'fine by me',
      decidedBy: { type: 'service', id: 'approval-link' },
    });
    expect(slack.requestsTo('/after').filter((r) => (r.json as { order: string }).order === 'o-1')).toHaveLength(1);

    expect(await auditOf(approval.id)).toEqual([
      expect.objectContaining({
        action: 'approval.decided',
        actor: { type: 'service', id: 'approval-link' },
        changes: expect.objectContaining({ decision: 'approved', via: 'link', jobId }),
      }),
    ]);
  }, 90_000);

  it('a reject link outputs decision rejected', async () => {
    const approval = await run(recipeId, { amount: 9, customer: 'Bob', order: 'o-2' }, 'Refund 9 EUR to Bob?');
    const jobId = approval.jobId;
    const { reject } = linksOf((await notified(approval.id)).text);
    const decided = await fetch(local(reject), form());
    expect(decided.status).toBe(200);
    expect(await decided.text()).toContain('Rejected');
    expect((await ended(jobId)).status).toBe('succeeded');
    expect(await afterCall('o-2')).toEqual({ order: 'o-2', decision: 'rejected', approved: false, by: 'link', comment: null });
    expect((await cluster.call<Approval>('GET', `/v1/approvals/${approval.id}`)).body).toMatchObject({ state: 'decided', decision: 'rejected' });
  }, 60_000);

  it('the API decides with the operator role, audited under the key', async () => {
    const operator = await cluster.call<{ id: string; key: string }>('POST', '/v1/api-keys', { name: 'operator', role: 'operator' });
    expect(operator.status).toBe(201);
    const approval = await run(recipeId, { amount: 70, customer: 'Cy', order: 'o-3' }, 'Refund 70 EUR to Cy?');
    const jobId = approval.jobId;
    const answer = await cluster.call<Approval>('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve', comment: 'ok from the API' }, operator.body.key);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ state: 'decided', decision: 'approved', decidedBy: { type: 'api_key', id: operator.body.id } });
    expect((await ended(jobId)).status).toBe('succeeded');
    expect(await afterCall('o-3')).toEqual({ order: 'o-3', decision: 'approved', approved: true, by: `api_key:${operator.body.id}`, comment: 'ok from the API' });
    // the first decision wins: a second one is a 409 problem, and the link is used
    const second = await cluster.call('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'reject' }, operator.body.key);
    expect(second.status).toBe(409);
    expect((await fetch(local(linksOf((await notified(approval.id)).text).reject), form())).status).toBe(409);
    expect(await auditOf(approval.id)).toEqual([
      expect.objectContaining({
        action: 'approval.decided',
        actor: { type: 'api_key', id: operator.body.id },
        changes: expect.objectContaining({ decision: 'approved', via: 'api' }),
      }),
    ]);
    expect((await cluster.call<{ items: Approval[] }>('GET', '/v1/approvals?state=decided&limit=100')).body.items.map((a) => a.id)).toContain(approval.id);
  }, 60_000);

  it('an expired approval refuses its links and the API; the step fails with a timeout the try catches', async () => {
    const approval = await run(shortId, {}, 'Quick one');
    const jobId = approval.jobId;
    const { approve } = linksOf((await notified(approval.id)).text);
    expect((await ended(jobId)).status).toBe('succeeded');
    expect(await afterCall('short')).toEqual({ order: 'short', kind: 'timeout' });
    for (const answer of [await fetch(local(approve)), await fetch(local(approve), form('too late'))]) {
      expect(answer.status).toBe(410);
      expect(await answer.text()).toContain('expired');
    }
    expect((await cluster.call<Approval>('GET', `/v1/approvals/${approval.id}`)).body.state).toBe('expired');
    const late = await cluster.call('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve' });
    expect(late.status).toBe(409);
    expect((await cluster.call<{ items: Approval[] }>('GET', '/v1/approvals?state=expired')).body.items.map((a) => a.id)).toContain(approval.id);
  }, 60_000);

  it('cancelling the job closes its pending approval: out of the pending list, links 410 and the API 409 saying the job was cancelled', async () => {
    const approval = await run(recipeId, { amount: 12, customer: 'Eve', order: 'o-5' }, 'Refund 12 EUR to Eve?');
    const { approve, reject } = linksOf((await notified(approval.id)).text);
    const cancelled = await cluster.call<Job>('POST', `/v1/jobs/${approval.jobId}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');

    const pending = (await cluster.call<{ items: Approval[] }>('GET', '/v1/approvals?state=pending&limit=100')).body.items.map((a) => a.id);
    expect(pending).not.toContain(approval.id);
    expect((await cluster.call<{ items: Approval[] }>('GET', '/v1/approvals?state=cancelled&limit=100')).body.items.map((a) => a.id)).toContain(approval.id);
    expect((await cluster.call<Approval & { cancelledAt?: string }>('GET', `/v1/approvals/${approval.id}`)).body).toMatchObject({
      state: 'cancelled',
      cancelledAt: expect.any(String),
    });
    for (const answer of [await fetch(local(approve)), await fetch(local(approve), form('too late')), await fetch(local(reject), form())]) {
      expect(answer.status).toBe(410);
      expect(await answer.text()).toContain('was cancelled');
    }
    const api = await cluster.call<{ detail?: string; title?: string }>('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve' });
    expect(api.status).toBe(409);
    expect(JSON.stringify(api.body)).toContain(`its job ${approval.jobId} was cancelled`);
    expect((await cluster.call<Approval>('GET', `/v1/approvals/${approval.id}`)).body).not.toHaveProperty('decision');
    expect((await job(approval.jobId)).body.status).toBe('cancelled');
    expect(slack.requestsTo('/after').filter((r) => (r.json as { order: string }).order === 'o-5')).toHaveLength(0);
  }, 60_000);

  // last: it restarts the executor (cluster) or the whole process (standalone)
  it('survives a SIGKILL while waiting: the link sent before still decides and the job resumes', async () => {
    const approval = await run(recipeId, { amount: 5, customer: 'Dee', order: 'o-4' }, 'Refund 5 EUR to Dee?');
    const { approve } = linksOf((await notified(approval.id)).text);
    // killed once the job sleeps on its wait (no lease held), not in the instant between the notify and the park
    await waitFor(
      async () =>
        (await below.sql('executor', `SELECT 1 FROM job_waits w JOIN jobs j ON j.id = w.job_id WHERE w.job_id = $1 AND j.lease_owner IS NULL`, [approval.jobId])).length === 1,
      20_000,
    );
    if (mode === 'standalone') {
      await cluster.killAndRestartStandalone();
    } else {
      await cluster.services.get('executor')?.kill();
      cluster.services.set('executor', await startServiceProcess('executor', cluster.env()));
    }
    expect((await job(approval.jobId)).body.status).toBe('running');
    const decided = await fetch(local(approve), form('after the restart'));
    expect(decided.status).toBe(200);
    expect((await ended(approval.jobId)).status).toBe('succeeded');
    expect(await afterCall('o-4')).toEqual({ order: 'o-4', decision: 'approved', approved: true, by: 'link', comment: 'after the restart' });
    // the notify step was not sent again by the re-drive
    expect(slack.requestsTo('/slack').filter((r) => (r.json as { id?: string }).id === approval.id)).toHaveLength(1);
  }, 120_000);
  // after the SIGKILL while waiting (it restarts the executor, or the whole process, again)
  it('a SIGKILL between the notify call and the park: the notify is re-sent with its key, a decision made before the wait exists is kept and resumes the job', async () => {
    const crash = await notifyingTo('crash window approval', '/slack-crash');
    const started = await cluster.call<{ jobId?: string; id?: string }>('POST', `/v1/recipes/${crash.body.id}/runs`, { amount: 1, customer: 'Fay', order: 'o-6' });
    expect(started.status).toBe(202);
    // the sink has the notify call (it never answers it): the executor is killed right there
    const sent = await waitFor(() => slack.requestsTo('/slack-crash')[0], 30_000);
    const { id: approvalId, text } = sent.json as { id: string; text: string };
    const [{ job_id: jobId }] = await below.sql<{ job_id: string }>('executor', `SELECT job_id FROM approvals WHERE id = $1`, [approvalId]);
    const [before] = await below.sql<{ lease_left_ms: number }>(
      'executor',
      `SELECT (extract(epoch FROM lease_until - now()) * 1000)::int AS lease_left_ms FROM jobs WHERE id = $1`,
      [jobId],
    );
    const killedAt = Date.now();
    await killExecutor();
    const [window] = await below.sql<{ waits: number; leased: boolean }>(
      'executor',
      `SELECT (SELECT count(*)::int FROM job_waits WHERE job_id = $1) AS waits, lease_until > now() AS leased FROM jobs WHERE id = $1`,
      [jobId],
    );
    if (mode === 'cluster') {
      // the dead executor's lease still holds the job: no re-drive yet, so no wait row for the decision to resolve
      expect(window).toEqual({ waits: 0, leased: true });
    }
    const decided = await fetch(local(linksOf(text).approve), form('during the crash'));
    expect(decided.status).toBe(200);
    const end = await waitFor(async () => {
      const read = (await job(jobId)).body;
      return ['succeeded', 'failed', 'cancelled'].includes(read.status) ? read : undefined;
    }, 60_000);
    const resumedMs = Date.now() - killedAt;
    console.log(`[crash window, ${mode}] lease left at the kill ${before.lease_left_ms} ms, waits at the decision ${window.waits}, job ended ${resumedMs} ms after the kill`);
    expect(end.status).toBe('succeeded');
    expect(await afterCall('o-6')).toEqual({ order: 'o-6', decision: 'approved', approved: true, by: 'link', comment: 'during the crash' });
    expect(slack.requestsTo('/after').filter((r) => (r.json as { order: string }).order === 'o-6')).toHaveLength(1);
    // http.request dedupes on its Idempotency-Key: the re-drive sent the cut notify once more, with the same key
    const notifies = slack.requestsTo('/slack-crash');
    expect(notifies).toHaveLength(2);
    expect(notifies[1].headers['idempotency-key']).toBe(notifies[0].headers['idempotency-key']);
    // the bound: the dead executor's lease (cluster; standalone hands leases back at start) plus the claim poll and one drive, under this machine's load
    const leaseBoundMs = mode === 'cluster' ? Math.max(before.lease_left_ms, 0) : 0;
    expect(resumedMs).toBeLessThan(leaseBoundMs + 15_000);
  }, 150_000);
  it('a decision stored whose event a crash kept from being delivered (between the two writes) still resumes the job when its wait is registered', async () => {
    const lost = await notifyingTo('lost delivery approval', '/slack-lost');
    expect((await cluster.call('POST', `/v1/recipes/${lost.body.id}/runs`, { amount: 2, customer: 'Gus', order: 'o-7' })).status).toBe(202);
    const sent = await waitFor(() => slack.requestsTo('/slack-lost')[0], 30_000);
    const { id: approvalId } = sent.json as { id: string };
    // the first write of a decision without the second (what a SIGKILL between them leaves): decided, no $approval event
    await below.sql(
      'executor',
      `UPDATE approvals SET decision = 'approved', comment = 'stored before the crash', decided_by = '{"type":"service","id":"approval-link"}', decided_at = now() WHERE id = $1 AND decided_at IS NULL`,
      [approvalId],
    );
    const [{ job_id: jobId }] = await below.sql<{ job_id: string }>('executor', `SELECT job_id FROM approvals WHERE id = $1`, [approvalId]);
    expect(await below.sql('executor', `SELECT 1 FROM wait_events WHERE key = $1`, [approvalId])).toHaveLength(0);
    await killExecutor();
    const end = await waitFor(async () => {
      const read = (await job(jobId)).body;
      return ['succeeded', 'failed', 'cancelled'].includes(read.status) ? read : undefined;
    }, 60_000);
    expect(end.status).toBe('succeeded');
    expect(await afterCall('o-7')).toEqual({ order: 'o-7', decision: 'approved', approved: true, by: 'link', comment: 'stored before the crash' });
    expect(slack.requestsTo('/slack-lost')).toHaveLength(2);
  }, 150_000);
});
