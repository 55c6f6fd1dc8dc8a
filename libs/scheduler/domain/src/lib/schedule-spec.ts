import { Cron } from 'croner';

/** A wall-clock schedule: a cron expression read in an IANA time zone. */
export interface CronSpec {
  kind: 'cron';
  /** 5 fields (minute precision) or 6 (with seconds). */
  expression: string;
  /** IANA zone (`Europe/Berlin`); `UTC` when the caller does not care. */
  timezone: string;
}

/** A fixed period in absolute time, counted from `anchor`: unaffected by DST. */
export interface IntervalSpec {
  kind: 'interval';
  everyMs: number;
  anchor: Date;
}

export type ScheduleSpec = CronSpec | IntervalSpec;

/** Shortest interval accepted, ms: the firing loop polls about once a second. */
export const MIN_INTERVAL_MS = 1000;

export interface SpecError {
  path: string;
  message: string;
}

function cronOf(spec: CronSpec): Cron {
  // paused and without a callback: croner is used for its date math only, it starts no timer
  return new Cron(spec.expression, { timezone: spec.timezone, paused: true, mode: '5-or-6-parts' });
}

export function isValidTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return timezone.length > 0;
  } catch {
    return false;
  }
}

/** Every problem with a spec, each naming its field; empty when the spec can be scheduled. */
export function validateScheduleSpec(spec: ScheduleSpec): SpecError[] {
  switch (spec.kind) {
    case 'cron': {
      const errors: SpecError[] = [];
      if (!isValidTimezone(spec.timezone)) errors.push({ path: 'cron.timezone', message: `"${spec.timezone}" is not an IANA time zone` });
      try {
        new Cron(spec.expression, { paused: true, mode: '5-or-6-parts' });
      } catch (error) {
        errors.push({ path: 'cron.expression', message: error instanceof Error ? error.message : 'is not a cron expression' });
      }
      if (errors.length === 0 && cronOf(spec).nextRun(new Date()) === null) {
        errors.push({ path: 'cron.expression', message: 'never fires' });
      }
      return errors;
    }
    case 'interval':
      if (!Number.isInteger(spec.everyMs) || spec.everyMs < MIN_INTERVAL_MS) {
        return [{ path: 'intervalMs', message: `must be an integer of at least ${MIN_INTERVAL_MS} ms` }];
      }
      return [];
  }
}

/** The first tick strictly after `after`, or null if the schedule has no more ticks. */
export function nextTickAfter(spec: ScheduleSpec, after: Date): Date | null {
  switch (spec.kind) {
    case 'cron':
      return cronOf(spec).nextRun(after);
    case 'interval': {
      const anchor = spec.anchor.getTime();
      const elapsed = after.getTime() - anchor;
      if (elapsed < 0) return new Date(anchor);
      return new Date(anchor + (Math.floor(elapsed / spec.everyMs) + 1) * spec.everyMs);
    }
  }
}

/** Ticks t with from <= t <= to, oldest first, at most `limit` of them. */
export function ticksBetween(spec: ScheduleSpec, from: Date, to: Date, limit: number): Date[] {
  const out: Date[] = [];
  // croner works in whole seconds: one second back makes `from` itself a candidate
  let cursor: Date | null = nextTickAfter(spec, new Date(from.getTime() - 1000));
  while (cursor && cursor.getTime() <= to.getTime() && out.length < limit) {
    if (cursor.getTime() >= from.getTime()) out.push(cursor);
    cursor = nextTickAfter(spec, cursor);
  }
  return out;
}

/** The latest `n` ticks t with from <= t < before, oldest first. */
export function lastTicksBefore(spec: ScheduleSpec, from: Date, before: Date, n: number): Date[] {
  if (n <= 0 || before.getTime() <= from.getTime()) return [];
  switch (spec.kind) {
    case 'cron': {
      const runs = cronOf(spec).previousRuns(n, before);
      return runs.filter((t) => t.getTime() >= from.getTime() && t.getTime() < before.getTime()).reverse();
    }
    case 'interval': {
      const anchor = spec.anchor.getTime();
      const out: Date[] = [];
      // the last tick strictly before `before`
      let k = Math.ceil((before.getTime() - anchor) / spec.everyMs) - 1;
      while (out.length < n && k >= 0) {
        const t = anchor + k * spec.everyMs;
        if (t < from.getTime()) break;
        out.push(new Date(t));
        k--;
      }
      return out.reverse();
    }
  }
}
