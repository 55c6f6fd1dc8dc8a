import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { AuditEventRecorded, AuditStream, type AuditEventPayload } from '@junction/audit/contracts';
import { TriggerReceived } from '@junction/executor/contracts';
import { executorTestDatabase } from '@junction/executor/data-access/testing';
import { ServiceMetrics } from '@junction/platform/metrics';
import { JetStreamQueue } from '@junction/platform/nats';
import { Namespace, RemoteError, type Closable, type DeadMessage } from '@junction/platform/ports';
import { TEST_SERVERS, dropNatsNamespace, uniqueNamespace, waitFor } from '@junction/shared/testing';
import { DeadLetterKeeper } from './dead-letter-keeper';
import { DeadLetterService } from './dead-letter.service';
import { ExecutorAudit } from './executor-audit';
import { executorOptions } from './executor.options';
import { JobSignals } from './job-signals';
import { TriggerIntake } from './trigger-intake';

const silent = pino({ level: 'silent' });
const KEY = { type: 'api_key', id: 'key_ops' } as const;
const LIVE = `rcp_${'0'.repeat(25)}1`;
const STOPPED = `rcp_${'0'.repeat(25)}2`;
const THEIRS = `rcp_${'0'.repeat(25)}3`;

/**
 * Dead letters on the real Postgres (audit events on the real JetStream): the keeper stores each
 * given-up message once with a scrubbed reason; the list is scoped and filtered; a redrive makes
 * exactly one job per letter on the recipe's running version, even when two redrives race.
 */
describe('dead letters (real Postgres)', () => {
  const name = uniqueNamespace('exec_dlq');
  const database = executorTestDatabase(TEST_SERVERS.postgres, name);
  const ns = new Namespace(name);
  let db: DataSource;
  let nc: NatsConnection;
  let audits: Closable | undefined;
  const audited: AuditEventPayload[] = [];
  let keeper: DeadLetterKeeper;
  let service: DeadLetterService;
  let sequence = 0;

  const message = (body: unknown, over: Partial<DeadMessage> = {}): DeadMessage => ({
    subject: TriggerReceived.subject,
    sequence: ++sequence,
    deliveryCount: 1,
    reason: 'invalid',
    detail: 'invalid trigger event: receivedAt must be a valid ISO 8601 date string',
    body,
    ...over,
  });
  const trigger = (recipeId: string, n: number, workspaceId = 'ws_a') => ({
    workspaceId,
    recipeId,
    kind: 'api',
    dedupeKey: `k-${recipeId}-${n}`,
    receivedAt: new Date().toISOString(),
    data: { n },
  });
  const letters = () =>
    db.query(`SELECT id, workspace_id, recipe_id, reason, detail, event, redriven_at, job_id FROM dead_letters ORDER BY id`) as Promise<Record<string, unknown>[]>;
  const jobsOf = (recipeId: string) =>
    db.query(`SELECT id, recipe_version, trigger FROM jobs WHERE recipe_id = $1`, [recipeId]) as Promise<{ id: string; recipe_version: number; trigger: unknown }[]>;

  beforeAll(async () => {
    db = await database.connect();
    // LIVE runs version 1 while a newer draft (2) exists; STOPPED is stopped
    await db.query(
      `INSERT INTO recipes (id, workspace_id, name, version, state, active_version) VALUES
         ($1, 'ws_a', 'live', 2, 'running', 1), ($2, 'ws_a', 'stopped', 1, 'stopped', NULL), ($3, 'ws_b', 'theirs', 1, 'running', 1)`,
      [LIVE, STOPPED, THEIRS],
    );
    await db.query(`INSERT INTO recipe_versions (recipe_id, version, definition) VALUES ($1, 1, '{}'), ($1, 2, '{}'), ($2, 1, '{}'), ($3, 1, '{}')`, [LIVE, STOPPED, THEIRS]);

    nc = await connect({ servers: TEST_SERVERS.nats });
    const queue = new JetStreamQueue(nc, await nc.jetstreamManager(), nc.jetstream(), ns, silent, new ServiceMetrics('test'), 1);
    await queue.ensureStream(AuditStream);
    audits = await queue.consume(AuditEventRecorded, async (event) => void audited.push(event), { durable: 'dlq-audit-check' });
    const audit = new ExecutorAudit(queue, silent);
    const signals = new JobSignals();
    keeper = new DeadLetterKeeper(db, audit, silent);
    service = new DeadLetterService(db, new TriggerIntake(db, signals, silent, keeper, executorOptions()), signals, audit);
  });

  afterAll(async () => {
    await audits?.close();
    await dropNatsNamespace(TEST_SERVERS.nats, ns.prefix);
    await nc?.drain();
    await database.drop();
  });

  it('keeps a given-up message once, with its reason scrubbed of credentials, and audits it once', async () => {
    const dead = message(trigger(LIVE, 1), {
      reason: 'max_deliveries',
      deliveryCount: 5,
      detail: 'call to https://api.example.com/x?api_key=s3cret failed: Bearer abc.def',
    });
    await keeper.keep(dead);
    // the same stream message handed over again (a crash before its drop): no second letter
    await keeper.keep({ ...dead });
    const [row] = await letters();
    expect(await letters()).toHaveLength(1);
    expect(row).toMatchObject({ workspace_id: 'ws_a', recipe_id: LIVE, reason: 'max_deliveries', event: { data: { n: 1 } } });
    expect(row['detail']).not.toMatch(/s3cret|abc\.def/);
    await waitFor(() => audited.some((a) => a.target.id === row['id']), 10_000);
    expect(audited.filter((a) => a.target.id === row['id'])).toEqual([
      expect.objectContaining({
        workspaceId: 'ws_a',
        action: 'dead_letter.created',
        target: { type: 'dead_letter', id: row['id'] },
        changes: expect.objectContaining({ reason: 'max_deliveries' }),
      }),
    ]);
  });

  it('keeps a body the database refuses without it, and nothing for a message that names no workspace', async () => {
    await keeper.keep(message({ ...trigger(LIVE, 2), data: { text: 'nul \u0000 here' } }));
    await keeper.keep(message('not json at all'));
    const rows = await letters();
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ recipe_id: LIVE, event: null, detail: expect.stringContaining('could not be stored') });
  });

  it('lists a workspace’s letters only, newest first, filtered by recipe, reason, state and time, page by page', async () => {
    await keeper.keep(message(trigger(STOPPED, 1)));
    await keeper.keep(message(trigger(THEIRS, 1, 'ws_b')));
    const all = await service.list({ workspaceId: 'ws_a' });
    expect(all.items.map((l) => l.recipeId)).toEqual([STOPPED, LIVE, LIVE]);
    expect(all.nextCursor).toBeUndefined();
    expect((await service.list({ workspaceId: 'ws_b' })).items.map((l) => l.recipeId)).toEqual([THEIRS]);
    expect((await service.list({ workspaceId: 'ws_a', filter: { recipeId: LIVE, reason: 'invalid' } })).items).toHaveLength(1);
    expect((await service.list({ workspaceId: 'ws_a', filter: { reason: 'max_deliveries' } })).items).toHaveLength(1);
    expect((await service.list({ workspaceId: 'ws_a', filter: { state: 'redriven' } })).items).toEqual([]);
    expect((await service.list({ workspaceId: 'ws_a', filter: { since: new Date(Date.now() + 60_000).toISOString() } })).items).toEqual([]);
    expect((await service.list({ workspaceId: 'ws_a', filter: { until: new Date(Date.now() + 60_000).toISOString() } })).items).toHaveLength(3);
    const first = await service.list({ workspaceId: 'ws_a', limit: 2 });
    expect(first.items).toHaveLength(2);
    const rest = await service.list({ workspaceId: 'ws_a', limit: 2, cursor: first.nextCursor });
    expect([...first.items, ...rest.items].map((l) => l.id)).toEqual(all.items.map((l) => l.id));
    expect(rest.nextCursor).toBeUndefined();
    // another workspace reads nothing of ours
    await expect(service.get({ workspaceId: 'ws_b', id: all.items[0].id })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('redrives a letter once onto the running version; again, unknown or foreign ids get a reason each', async () => {
    const [kept] = (await service.list({ workspaceId: 'ws_a', filter: { recipeId: LIVE, reason: 'max_deliveries' } })).items;
    const theirs = (await service.list({ workspaceId: 'ws_b' })).items[0].id;
    const unknown = 'dlq_01ARZ3NDEKTSV4RRFFQ69G5FAV';
    const done = await service.redrive({ workspaceId: 'ws_a', actor: KEY, ids: [kept.id, unknown, theirs] });
    expect(done.items).toEqual([
      { id: kept.id, outcome: 'created', jobId: expect.stringMatching(/^job_/) },
      { id: unknown, error: { code: 'not_found', message: expect.stringContaining(unknown) } },
      { id: theirs, error: { code: 'not_found', message: expect.any(String) } },
    ]);
    const jobs = await jobsOf(LIVE);
    expect(jobs).toEqual([{ id: done.items[0].jobId, recipe_version: 1, trigger: { n: 1 } }]);
    expect(await service.get({ workspaceId: 'ws_a', id: kept.id })).toMatchObject({ state: 'redriven', redrivenBy: KEY, jobId: done.items[0].jobId });
    const again = await service.redrive({ workspaceId: 'ws_a', actor: KEY, ids: [kept.id] });
    expect(again.items).toEqual([{ id: kept.id, error: { code: 'already_redriven', message: expect.stringContaining(done.items[0].jobId ?? '') } }]);
    expect(await jobsOf(LIVE)).toHaveLength(1);
    // their letter is untouched
    expect((await service.get({ workspaceId: 'ws_b', id: theirs })).state).toBe('dead');
    await waitFor(() => audited.some((a) => a.action === 'dead_letter.redriven' && a.target.id === kept.id), 10_000);
    expect(audited.find((a) => a.action === 'dead_letter.redriven')).toMatchObject({
      workspaceId: 'ws_a',
      actor: KEY,
      changes: { jobId: done.items[0].jobId, outcome: 'created' },
    });
  });

  it('leaves a letter dead while its recipe is stopped, saying so', async () => {
    const [stopped] = (await service.list({ workspaceId: 'ws_a', filter: { recipeId: STOPPED } })).items;
    const refused = await service.redrive({ workspaceId: 'ws_a', actor: KEY, ids: [stopped.id] });
    expect(refused.items).toEqual([{ id: stopped.id, error: { code: 'recipe_not_running', message: expect.stringContaining('start it') } }]);
    expect((await service.get({ workspaceId: 'ws_a', id: stopped.id })).state).toBe('dead');
    expect(await jobsOf(STOPPED)).toEqual([]);
  });

  it('makes one job when redrives of the same letters race, by ids and by filter', async () => {
    for (let n = 10; n < 15; n++) await keeper.keep(message(trigger(LIVE, n)));
    const dead = (await service.list({ workspaceId: 'ws_a', filter: { recipeId: LIVE, state: 'dead' } })).items.map((l) => l.id);
    expect(dead).toHaveLength(6);
    const results = await Promise.all([
      service.redrive({ workspaceId: 'ws_a', actor: KEY, ids: dead }),
      service.redrive({ workspaceId: 'ws_a', actor: KEY, filter: { recipeId: LIVE, state: 'dead' } }),
      service.redrive({ workspaceId: 'ws_a', actor: KEY, ids: [...dead].reverse() }),
    ]);
    const items = results.flatMap((r) => r.items);
    const created = items.filter((i) => i.outcome === 'created');
    // the letter whose body the database refused has no event to redrive: it stays dead, saying why
    const [bodiless] = (await letters()).filter((l) => l['event'] === null).map((l) => l['id'] as string);
    expect(new Set(created.map((i) => i.id))).toEqual(new Set(dead.filter((id) => id !== bodiless)));
    expect(created).toHaveLength(5);
    expect(items.filter((i) => i.id === bodiless).every((i) => (i.error as { code: string }).code === 'invalid')).toBe(true);
    expect(items.filter((i) => !i.outcome && i.id !== bodiless).every((i) => (i.error as { code: string }).code === 'already_redriven')).toBe(true);
    expect(await jobsOf(LIVE)).toHaveLength(6);
    expect((await service.list({ workspaceId: 'ws_a', filter: { recipeId: LIVE, state: 'dead' } })).items.map((l) => l.id)).toEqual([bodiless]);
  });

  it('refuses a redrive with neither or both of ids and filter, or a filter it cannot apply, naming the field', async () => {
    await expect(service.redrive({ workspaceId: 'ws_a', actor: KEY })).rejects.toBeInstanceOf(RemoteError);
    await expect(service.redrive({ workspaceId: 'ws_a', actor: KEY, filter: { reason: 'bogus' } })).rejects.toMatchObject({
      code: 'unprocessable',
      errors: [{ path: 'filter.reason', message: expect.any(String) }],
    });
  });
});
