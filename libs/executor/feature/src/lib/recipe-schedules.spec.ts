import { RemoteError } from '@junction/platform/ports';
import { DeleteSchedule, GetSchedule, UpsertSchedule, type ScheduleView, type UpsertScheduleRequest } from '@junction/scheduler/contracts';
import { ManualClock, aPollRecipe, aRecipe, aRecipeId, aScheduleRecipe, aWorkspaceId } from '@junction/shared/testing';
import { inProcessPorts } from '@junction/shared/testing/in-process';
import { RecipeSchedules } from './recipe-schedules';

const FIVE_MINUTES = 5 * 60_000;

/** The scheduler's side of the three calls, in memory: what it was asked to keep, and when it would fire next. */
async function fakeScheduler(clock: ManualClock) {
  const { bus, busFor } = inProcessPorts();
  const rows = new Map<string, { request: UpsertScheduleRequest; view: ScheduleView }>();
  const key = (ref: { workspaceId: string; recipeId: string }): string => `${ref.workspaceId}/${ref.recipeId}`;
  const scheduler = busFor();
  await scheduler.serve(UpsertSchedule, async (request) => {
    const enabled = request.enabled ?? true;
    const every = request.intervalMs ?? FIVE_MINUTES;
    const view: ScheduleView = {
      id: `sch_${rows.size + 1}`,
      workspaceId: request.workspaceId,
      recipeId: request.recipeId,
      kind: request.kind,
      misfire: request.misfire ?? { policy: 'skip' },
      enabled,
      ...(enabled ? { nextFireAt: new Date(clock.millis() + every).toISOString() } : {}),
    };
    rows.set(key(request), { request, view });
    return view;
  });
  await scheduler.serve(GetSchedule, async (ref) => {
    const row = rows.get(key(ref));
    if (!row) throw new RemoteError('not_found', 'no schedule for this recipe');
    return row.view;
  });
  await scheduler.serve(DeleteSchedule, async (ref) => ({ deleted: rows.delete(key(ref)) }));
  return { schedules: new RecipeSchedules(bus), rows, key };
}

describe('RecipeSchedules against a scheduler on the in-process bus', () => {
  const workspaceId = aWorkspaceId();

  it('registers a cron recipe as a tick schedule (UTC and skip unless told) and a poll recipe as a poll of at least a second', async () => {
    const { schedules, rows, key } = await fakeScheduler(new ManualClock());
    const cron = aRecipeId();
    const poll = aRecipeId();
    const fast = aRecipeId();
    await schedules.started(workspaceId, cron, aScheduleRecipe({ cron: '0 9 * * 1', misfire: { policy: 'catchUp', max: 3 } }));
    await schedules.started(workspaceId, poll, aPollRecipe({ interval: '1m', connection: 'conn_crm', input: { list: 'leads' } }));
    await schedules.started(workspaceId, fast, aPollRecipe({ interval: '10ms' }));

    expect(rows.get(key({ workspaceId, recipeId: cron }))?.request).toEqual({
      workspaceId,
      recipeId: cron,
      kind: 'tick',
      cron: { expression: '0 9 * * 1', timezone: 'UTC' },
      misfire: { policy: 'catch_up', maxCatchUp: 3 },
      enabled: true,
    });
    expect(rows.get(key({ workspaceId, recipeId: poll }))?.request).toMatchObject({
      kind: 'poll',
      intervalMs: 60_000,
      poll: { connectorKey: 'http', trigger: 'new_items', connectionId: 'conn_crm', input: { list: 'leads' } },
    });
    expect(rows.get(key({ workspaceId, recipeId: fast }))?.request.intervalMs).toBe(1000);
  });

  it('stops by disabling (the row and a poll cursor stay), removes by deleting, and leaves webhook recipes alone', async () => {
    const { schedules, rows, key } = await fakeScheduler(new ManualClock());
    const recipeId = aRecipeId();
    const recipe = aPollRecipe();
    await schedules.started(workspaceId, recipeId, recipe);
    await schedules.stopped(workspaceId, recipeId, recipe);
    expect(rows.get(key({ workspaceId, recipeId }))?.view.enabled).toBe(false);

    await schedules.removed(workspaceId, recipeId, recipe);
    expect(rows.size).toBe(0);
    expect(await schedules.status(workspaceId, recipeId, recipe)).toBeUndefined(); // not_found: never started

    const hook = aRecipeId();
    await schedules.started(workspaceId, hook, aRecipe());
    await schedules.stopped(workspaceId, hook, aRecipe());
    expect(rows.size).toBe(0);
    expect(await schedules.status(workspaceId, hook, aRecipe())).toBeUndefined();
  });

  it('reports how late the next tick is on the clock it is given: nothing before it is due, the overdue time after', async () => {
    const clock = new ManualClock('2026-03-29T00:58:00Z');
    const { schedules } = await fakeScheduler(clock);
    const recipeId = aRecipeId();
    const recipe = aScheduleRecipe();
    await schedules.started(workspaceId, recipeId, recipe);

    clock.advance(4 * 60_000);
    expect(await schedules.status(workspaceId, recipeId, recipe, clock.now())).toEqual({ enabled: true, nextFireAt: '2026-03-29T01:03:00.000Z', lagMs: 0 });
    clock.advance(60_000 + 1234); // the scheduler is down: the tick stays due
    expect((await schedules.status(workspaceId, recipeId, recipe, clock.now()))?.lagMs).toBe(1234);

    await schedules.stopped(workspaceId, recipeId, recipe);
    expect(await schedules.status(workspaceId, recipeId, recipe, clock.now())).toEqual({ enabled: false, lagMs: 0 });
  });
});
