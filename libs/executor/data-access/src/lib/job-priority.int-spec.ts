import type { DataSource } from 'typeorm';
import { ulid } from 'ulid';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { executorTestDatabase } from './testing/executor-test-database';
import { JobRepository } from './job.repository';

/** settings.priority on the real Postgres: each job takes its version's priority, and claims take the highest first. */
describe('job priority (real Postgres)', () => {
  const db = executorTestDatabase(TEST_SERVERS.postgres, uniqueNamespace('exec_prio'));
  let ds: DataSource;

  const recipeWith = async (settings: Record<string, unknown>) => {
    const id = `rcp_${ulid()}`;
    await ds.query(`INSERT INTO recipes (id, workspace_id, name, version, state, active_version) VALUES ($1, 'ws_1', $1, 1, 'running', 1)`, [id]);
    const definition = { name: id, trigger: { type: 'webhook' }, steps: [{ id: 'a', action: 'http.request', input: {} }], settings };
    await ds.query(`INSERT INTO recipe_versions (recipe_id, version, definition) VALUES ($1, 1, $2)`, [id, JSON.stringify(definition)]);
    return id;
  };
  const jobOf = async (recipeId: string, receivedAt = new Date()) => {
    const id = `job_${ulid()}`;
    await new JobRepository(ds.manager).insertIfAbsent({
      id,
      workspaceId: 'ws_1',
      recipeId,
      recipeVersion: 1,
      dedupeKey: ulid(),
      triggerKind: 'webhook',
      concurrency: 1_000_000,
      trigger: {},
      receivedAt,
    });
    return id;
  };
  const priorityOf = async (id: string) => ((await ds.query(`SELECT priority FROM jobs WHERE id = $1`, [id])) as { priority: number }[])[0].priority;

  beforeAll(async () => {
    ds = await db.connect();
  });

  afterAll(async () => {
    await db.drop();
  });

  it("gives each job its recipe version's priority, 3 when the version names none or the recipe is unknown", async () => {
    expect(await priorityOf(await jobOf(await recipeWith({ priority: 5 })))).toBe(5);
    expect(await priorityOf(await jobOf(await recipeWith({ priority: 1 })))).toBe(1);
    expect(await priorityOf(await jobOf(await recipeWith({})))).toBe(3);
    expect(await priorityOf(await jobOf(`rcp_${ulid()}`))).toBe(3);
  });

  it('claims the highest priority first, oldest first within one, whatever the order they were queued in', async () => {
    await ds.query(`UPDATE jobs SET status = 'succeeded' WHERE status IN ('queued', 'running')`);
    const low = await recipeWith({ priority: 1 });
    const normal = await recipeWith({});
    const high = await recipeWith({ priority: 5 });
    const queued: [string, string][] = [];
    for (const [recipe, label] of [
      [low, 'low-1'],
      [normal, 'normal-1'],
      [low, 'low-2'],
      [high, 'high-1'],
      [normal, 'normal-2'],
      [high, 'high-2'],
    ] as const) {
      queued.push([await jobOf(recipe), label]);
      await new Promise((r) => setTimeout(r, 5)); // distinct created_at
    }
    const label = new Map(queued);
    const order: string[] = [];
    for (;;) {
      const claimed = await new JobRepository(ds.manager).claim('w_1', 30_000, 2);
      if (claimed.length === 0) break;
      order.push(...claimed.map((j) => label.get(j.id) as string));
    }
    expect(order).toEqual(['high-1', 'high-2', 'normal-1', 'normal-2', 'low-1', 'low-2']);
  });

  it('still holds a recipe to its concurrency while ordering by priority', async () => {
    await ds.query(`UPDATE jobs SET status = 'succeeded' WHERE status IN ('queued', 'running')`);
    const high = await recipeWith({ priority: 5 });
    const low = await recipeWith({ priority: 1 });
    const a = await jobOf(high);
    const b = await jobOf(high);
    const c = await jobOf(low);
    await ds.query(`UPDATE jobs SET concurrency = 1 WHERE id = ANY($1)`, [[a, b]]);
    const claimed = (await new JobRepository(ds.manager).claim('w_1', 30_000, 3)).map((j) => j.id);
    expect(claimed.sort()).toEqual([a, c].sort());
  });
});
