import { pollBackoffMs } from './backoff';
import { planFiring } from './misfire';
import { validateScheduleSpec, type ScheduleSpec } from './schedule-spec';

const daily9Berlin: ScheduleSpec = { kind: 'cron', expression: '0 9 * * *', timezone: 'Europe/Berlin' };
const GRACE = 60_000;

describe('planFiring: misfire policy after downtime', () => {
  // due on 1 June 09:00 Berlin (07:00Z); the scheduler comes back on 4 June 12:00Z: 1, 2, 3, 4 June were missed
  const dueAt = new Date('2026-06-01T07:00:00Z');
  const now = new Date('2026-06-04T12:00:00Z');

  it('skip: fires nothing missed and resumes at the next future tick', () => {
    const plan = planFiring({ spec: daily9Berlin, dueAt, now, misfire: { policy: 'skip' }, graceMs: GRACE, limit: 1000 });
    expect(plan.fire).toEqual([]);
    expect(plan.skipped).toBe(4);
    expect(plan.nextFireAt?.toISOString()).toBe('2026-06-05T07:00:00.000Z');
  });

  it('catch_up: fires the latest maxCatchUp missed ticks, oldest first, and skips the rest', () => {
    const plan = planFiring({ spec: daily9Berlin, dueAt, now, misfire: { policy: 'catch_up', maxCatchUp: 2 }, graceMs: GRACE, limit: 1000 });
    expect(plan.fire.map((t) => t.toISOString())).toEqual(['2026-06-03T07:00:00.000Z', '2026-06-04T07:00:00.000Z']);
    expect(plan.skipped).toBe(2); // 4 missed − 2 fired
    expect(plan.nextFireAt?.toISOString()).toBe('2026-06-05T07:00:00.000Z');
  });

  it('catch_up with a bound above the missed count fires every missed tick once', () => {
    const plan = planFiring({ spec: daily9Berlin, dueAt, now, misfire: { policy: 'catch_up', maxCatchUp: 10 }, graceMs: GRACE, limit: 1000 });
    expect(plan.fire).toHaveLength(4);
    expect(plan.skipped).toBe(0);
  });

  it('a tick a little late (within the grace period) is on time and fires under either policy', () => {
    const late = new Date(dueAt.getTime() + 1500);
    for (const misfire of [{ policy: 'skip' as const }, { policy: 'catch_up' as const, maxCatchUp: 3 }]) {
      const plan = planFiring({ spec: daily9Berlin, dueAt, now: late, misfire, graceMs: GRACE, limit: 1000 });
      expect(plan.fire).toEqual([dueAt]);
      expect(plan.nextFireAt?.toISOString()).toBe('2026-06-02T07:00:00.000Z');
    }
  });

  it('fires nothing before the due time', () => {
    const plan = planFiring({ spec: daily9Berlin, dueAt, now: new Date(dueAt.getTime() - 1), misfire: { policy: 'skip' }, graceMs: GRACE, limit: 10 });
    expect(plan).toEqual({ fire: [], skipped: 0, caughtUp: 0, nextFireAt: dueAt });
  });

  it('fires at most `limit` ticks and continues after the last one instead of dropping the rest', () => {
    const everySecond: ScheduleSpec = { kind: 'cron', expression: '* * * * * *', timezone: 'UTC' };
    const start = new Date('2026-06-01T00:00:00Z');
    const plan = planFiring({ spec: everySecond, dueAt: start, now: new Date(start.getTime() + 30_000), misfire: { policy: 'skip' }, graceMs: GRACE, limit: 10 });
    expect(plan.fire).toHaveLength(10);
    expect(plan.nextFireAt?.toISOString()).toBe('2026-06-01T00:00:10.000Z');
  });

  it('interval schedules: ticks stay on the anchor grid after downtime', () => {
    const anchor = new Date('2026-06-01T00:00:00Z');
    const spec: ScheduleSpec = { kind: 'interval', everyMs: 15 * 60_000, anchor };
    // down from 00:00 to 01:07: ticks at 00:00, 00:15, 00:30, 00:45, 01:00 were missed (all older than the 60 s grace)
    const now = new Date('2026-06-01T01:07:00Z');
    const plan = planFiring({ spec, dueAt: anchor, now, misfire: { policy: 'catch_up', maxCatchUp: 2 }, graceMs: GRACE, limit: 100 });
    expect(plan.fire.map((t) => t.toISOString())).toEqual(['2026-06-01T00:45:00.000Z', '2026-06-01T01:00:00.000Z']);
    expect(plan.skipped).toBe(3);
    expect(plan.nextFireAt?.toISOString()).toBe('2026-06-01T01:15:00.000Z');
  });
});

describe('validateScheduleSpec', () => {
  it.each<[string, ScheduleSpec, string]>([
    ['an unknown time zone', { kind: 'cron', expression: '0 9 * * *', timezone: 'Mars/Olympus' }, 'cron.timezone'],
    ['a malformed expression', { kind: 'cron', expression: '0 9 * *', timezone: 'UTC' }, 'cron.expression'],
    ['an out-of-range field', { kind: 'cron', expression: '0 25 * * *', timezone: 'UTC' }, 'cron.expression'],
    ['an interval under one second', { kind: 'interval', everyMs: 999, anchor: new Date() }, 'intervalMs'],
  ])('rejects %s, naming the field', (_label, spec, path) => {
    expect(validateScheduleSpec(spec).map((e) => e.path)).toEqual([path]);
  });

  it('accepts 5- and 6-field expressions in a real zone', () => {
    expect(validateScheduleSpec({ kind: 'cron', expression: '30 2 * * *', timezone: 'America/New_York' })).toEqual([]);
    expect(validateScheduleSpec({ kind: 'cron', expression: '*/10 * * * * *', timezone: 'Europe/Berlin' })).toEqual([]);
  });
});

describe('pollBackoffMs', () => {
  it('doubles from the base up to the cap, never below half the step', () => {
    const opts = { baseMs: 1000, capMs: 60_000 };
    expect(pollBackoffMs(0, opts)).toBe(0);
    expect(pollBackoffMs(1, opts, () => 0)).toBe(500); // step 1000: half fixed
    expect(pollBackoffMs(3, opts, () => 0.999999)).toBe(3999); // step 1000·2² = 4000
    expect(pollBackoffMs(20, opts, () => 1)).toBe(60_000); // capped
  });
});
