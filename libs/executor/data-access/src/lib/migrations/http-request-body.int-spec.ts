import { DataSource } from 'typeorm';
import type { Recipe } from '@junction/executor/contracts';
import { advance, start, validateRecipe } from '@junction/executor/domain';
import { SnakeNamingStrategy, databaseUrl, dropDatabase, ensureDatabase } from '@junction/platform/database';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { EXECUTOR_MIGRATIONS } from '../../index';
import { HttpRequestBody1766200000000 } from './1766200000000-http-request-body';

const URL = 'https://sink.example/in';
const post = (id: string, body: unknown) => ({ id, action: 'http.request', input: { method: 'POST', url: URL, body } });

/** Old-shape versions (body as a `{ json | form | text }` wrapper), as stored before #16.7. */
const OLD: Record<string, unknown[]> = {
  rcp_json: [post('send', { json: { text: '{{ trigger.body.msg }}', n: 1 } })],
  rcp_form: [post('send', { form: { a: '1', b: '{{ trigger.body.msg }}' } })],
  rcp_text: [post('send', { text: 'hi {{ trigger.body.msg }}', contentType: 'text/csv' })],
  rcp_plain: [post('send', { text: 'hi' })],
  rcp_template: [post('send', '{{ trigger.body.wrapper }}')],
  // nested in a branch, next to a step of another connector with a `body` of its own
  rcp_nested: [
    { id: 'gate', if: '{{ true }}', then: [post('send', { json: '{{ trigger.body }}' })] },
    { id: 'gh', action: 'github.create_comment', input: { body: 'x' } },
  ],
};

describe('http.request body migration (real Postgres)', () => {
  const name = uniqueNamespace('exec_httpbody');
  let ds: DataSource;
  const definition = async (id: string) => ((await ds.query(`SELECT definition FROM recipe_versions WHERE recipe_id = $1`, [id])) as { definition: Recipe }[])[0].definition;
  /** The input the engine sends for the recipe's first call, given a trigger body. */
  const firstCall = async (id: string, body: unknown) => {
    const validation = validateRecipe(await definition(id));
    if (!validation.ok) throw new Error(JSON.stringify(validation.errors));
    const next = await advance(validation.recipe, start(validation.recipe, { body }, 'job_m', { now: 0 }), { now: 0 });
    if (next.command.type !== 'invoke') throw new Error(`no call: ${next.command.type}`);
    return next.command.input;
  };

  beforeAll(async () => {
    await ensureDatabase(TEST_SERVERS.postgres, name);
    const options = {
      type: 'postgres' as const,
      url: databaseUrl(TEST_SERVERS.postgres, name),
      migrationsTableName: 'schema_migrations',
      namingStrategy: new SnakeNamingStrategy(),
      migrationsRun: true,
    };
    ds = await new DataSource({ ...options, migrations: EXECUTOR_MIGRATIONS.slice(0, EXECUTOR_MIGRATIONS.indexOf(HttpRequestBody1766200000000)) }).initialize();
    for (const [id, steps] of Object.entries(OLD)) {
      await ds.query(`INSERT INTO recipes (id, workspace_id, name, version, state) VALUES ($1, 'ws_m', $1, 1, 'stopped')`, [id]);
      await ds.query(`INSERT INTO recipe_versions (recipe_id, version, definition) VALUES ($1, 1, $2)`, [id, JSON.stringify({ name: id, trigger: { type: 'webhook' }, steps })]);
    }
    // a queued job of the form recipe retrying its call: the input rendered at the first attempt, old shape
    const pending = { kind: 'invoke', stepId: 'send', stepKey: 'send', input: { method: 'POST', url: URL, body: { form: { a: '1', b: 'x' } } }, attempt: 2, deferrals: 0 };
    const insertJob = (id: string, status: string, state: unknown) =>
      ds.query(
        `INSERT INTO jobs (id, workspace_id, recipe_id, recipe_version, dedupe_key, trigger_kind, status, concurrency, state, received_at) VALUES ($1, 'ws_m', 'rcp_form', 1, $1, 'webhook', $2, 1, $3, now())`,
        [id, status, JSON.stringify(state)],
      );
    await insertJob('job_queued', 'queued', { status: 'running', pending, stack: [] });
    await insertJob('job_done', 'succeeded', { status: 'succeeded', pending, stack: [] });
    await ds.query(
      `INSERT INTO job_steps (job_id, seq, step_id, step_key, kind, status, input, started_at, finished_at) VALUES ('job_done', 0, 'send', 'send', 'action', 'succeeded', $1, now(), now())`,
      [JSON.stringify(pending.input)],
    );
    await ds.destroy();
    ds = await new DataSource({ ...options, migrations: EXECUTOR_MIGRATIONS }).initialize();
  });

  afterAll(async () => {
    await ds?.destroy();
    await dropDatabase(TEST_SERVERS.postgres, name);
  });

  it('rewrites each wrapper to the sibling field that sends the same bytes', async () => {
    expect(await firstCall('rcp_json', { msg: 'hi' })).toEqual({ method: 'POST', url: URL, body: { text: 'hi', n: 1 } });
    expect(await firstCall('rcp_form', { msg: 'x y' })).toEqual({ method: 'POST', url: URL, form: { a: '1', b: 'x y' } });
    expect(await firstCall('rcp_text', { msg: 'there' })).toEqual({ method: 'POST', url: URL, text: 'hi there', contentType: 'text/csv' });
    // the old `{ text }` meant text/plain: it stays text, not the JSON {"text":"hi"}
    expect(await firstCall('rcp_plain', {})).toEqual({ method: 'POST', url: URL, text: 'hi' });
    expect(await firstCall('rcp_nested', { a: [1] })).toEqual({ method: 'POST', url: URL, body: { a: [1] } });
  });

  it('turns a templated wrapper into one template per field, only the wrapper’s own field rendered', async () => {
    expect((await definition('rcp_template')).steps[0]).toMatchObject({ input: { body: "{{ $lookup((trigger.body.wrapper), 'json') }}" } });
    expect(await firstCall('rcp_template', { wrapper: { json: { list: [1] } } })).toEqual({ method: 'POST', url: URL, body: { list: [1] } });
    expect(await firstCall('rcp_template', { wrapper: { json: [{ a: 1 }] } })).toEqual({ method: 'POST', url: URL, body: [{ a: 1 }] });
    expect(await firstCall('rcp_template', { wrapper: { text: 'a,b', contentType: 'text/csv' } })).toEqual({ method: 'POST', url: URL, text: 'a,b', contentType: 'text/csv' });
    expect(await firstCall('rcp_template', { wrapper: { form: { q: 'x' } } })).toEqual({ method: 'POST', url: URL, form: { q: 'x' } });
  });

  it('leaves other connectors’ steps alone', async () => {
    expect((await definition('rcp_nested')).steps[1]).toEqual({ id: 'gh', action: 'github.create_comment', input: { body: 'x' } });
  });

  it('rewrites the pending call of a queued job and the recorded step input; a finished job’s state is left as it was', async () => {
    const state = async (id: string) => ((await ds.query(`SELECT state FROM jobs WHERE id = $1`, [id])) as { state: { pending: { input: unknown } } }[])[0].state.pending.input;
    expect(await state('job_queued')).toEqual({ method: 'POST', url: URL, form: { a: '1', b: 'x' } });
    expect(await state('job_done')).toEqual({ method: 'POST', url: URL, body: { form: { a: '1', b: 'x' } } });
    expect(await ds.query(`SELECT input FROM job_steps WHERE job_id = 'job_done'`)).toEqual([{ input: { method: 'POST', url: URL, form: { a: '1', b: 'x' } } }]);
  });
});
