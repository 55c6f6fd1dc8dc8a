import { ManualClock } from './clock';
import { planFiring, type MisfirePolicy } from './misfire';
import { nextTickAfter, type ScheduleSpec } from './schedule-spec';

const MINUTE = 60_000;

/**
 * Drives a schedule the way the firing loop does (look at it every `stepMs`, fire what is due,
 * store the next fire time) with a fake clock, and returns the instants that fired.
 */
function simulate(spec: ScheduleSpec, from: string, to: string, stepMs = MINUTE, misfire: MisfirePolicy = { policy: 'skip' }): Date[] {
  const clock = new ManualClock(from);
  let next = nextTickAfter(spec, clock.now());
  const fired: Date[] = [];
  while (clock.now() < new Date(to) && next) {
    clock.advance(stepMs);
    if (next <= clock.now()) {
      const plan = planFiring({ spec, dueAt: next, now: clock.now(), misfire, graceMs: 60 * MINUTE, limit: 1000 });
      fired.push(...plan.fire);
      next = plan.nextFireAt;
    }
  }
  return fired;
}

function localDate(instant: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

function localTime(instant: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }).format(instant);
}

function perLocalDay(fired: Date[], timezone: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of fired) counts[localDate(t, timezone)] = (counts[localDate(t, timezone)] ?? 0) + 1;
  return counts;
}

const daily0230 = (timezone: string): ScheduleSpec => ({ kind: 'cron', expression: '30 2 * * *', timezone });

describe('cron schedules across daylight-saving changes (fake clock)', () => {
  // 2026: US springs forward on 8 March (02:00 → 03:00) and falls back on 1 November (02:00 → 01:00);
  // the EU springs forward on 29 March (02:00 → 03:00) and falls back on 25 October (03:00 → 02:00).
  describe.each([
    {
      zone: 'America/New_York',
      spring: { from: '2026-03-06T12:00:00Z', to: '2026-03-10T12:00:00Z', day: '2026-03-08', at: '2026-03-08T07:00:00.000Z' },
      fall: { from: '2026-10-30T12:00:00Z', to: '2026-11-03T12:00:00Z', day: '2026-11-01', at: '2026-11-01T07:30:00.000Z' },
    },
    {
      zone: 'Europe/Berlin',
      spring: { from: '2026-03-27T12:00:00Z', to: '2026-03-31T12:00:00Z', day: '2026-03-29', at: '2026-03-29T01:00:00.000Z' },
      fall: { from: '2026-10-23T12:00:00Z', to: '2026-10-27T12:00:00Z', day: '2026-10-25', at: '2026-10-25T00:30:00.000Z' },
    },
  ])('$zone', ({ zone, spring, fall }) => {
    it('runs a daily 02:30 job exactly once on spring-forward day, when 02:30 does not exist', () => {
      const fired = simulate(daily0230(zone), spring.from, spring.to);
      const days = perLocalDay(fired, zone);
      expect(days[spring.day]).toBe(1);
      // the skipped 02:30 runs at the first instant after the gap: 03:00 local, summer time
      expect(fired.map((t) => t.toISOString())).toContain(spring.at);
      // every other day of the window: once, at 02:30
      expect(Object.values(days)).toEqual([1, 1, 1, 1]);
      expect(fired.filter((t) => localDate(t, zone) !== spring.day).every((t) => localTime(t, zone).startsWith('02:30'))).toBe(true);
    });

    it('runs a daily 02:30 job exactly once on fall-back day', () => {
      const fired = simulate(daily0230(zone), fall.from, fall.to);
      const days = perLocalDay(fired, zone);
      expect(days[fall.day]).toBe(1);
      expect(fired.map((t) => t.toISOString())).toContain(fall.at);
      expect(Object.values(days)).toEqual([1, 1, 1, 1]);
    });

    it('still runs once on both change days when the loop only looks every 7 minutes', () => {
      const spec = daily0230(zone);
      expect(perLocalDay(simulate(spec, spring.from, spring.to, 7 * MINUTE), zone)[spring.day]).toBe(1);
      expect(perLocalDay(simulate(spec, fall.from, fall.to, 7 * MINUTE), zone)[fall.day]).toBe(1);
    });

    it('runs an hourly job once per real hour: 23 on spring-forward day, 25 on fall-back day', () => {
      const hourly: ScheduleSpec = { kind: 'cron', expression: '0 * * * *', timezone: zone };
      expect(perLocalDay(simulate(hourly, spring.from, spring.to), zone)[spring.day]).toBe(23);
      expect(perLocalDay(simulate(hourly, fall.from, fall.to), zone)[fall.day]).toBe(25);
    });

    it('keeps a fixed interval in absolute time across the change (24 ticks of 1 h in 24 h)', () => {
      const anchor = new Date(fall.from);
      const spec: ScheduleSpec = { kind: 'interval', everyMs: 60 * MINUTE, anchor };
      const fired = simulate(spec, fall.from, new Date(anchor.getTime() + 24 * 60 * MINUTE).toISOString());
      expect(fired).toHaveLength(24);
      expect(fired.every((t, i) => i === 0 || t.getTime() - fired[i - 1].getTime() === 60 * MINUTE)).toBe(true);
    });
  });

  it('runs a 01:30 New York job once on fall-back day, though 01:30 happens twice', () => {
    const zone = 'America/New_York';
    const fired = simulate({ kind: 'cron', expression: '30 1 * * *', timezone: zone }, '2026-10-31T12:00:00Z', '2026-11-02T12:00:00Z');
    expect(perLocalDay(fired, zone)['2026-11-01']).toBe(1);
    // the first 01:30, still on daylight time (UTC-4)
    expect(fired.map((t) => t.toISOString())).toContain('2026-11-01T05:30:00.000Z');
  });
});
