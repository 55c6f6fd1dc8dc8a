import { lastTicksBefore, nextTickAfter, ticksBetween, type ScheduleSpec } from './schedule-spec';

/**
 * What to do with ticks that were due while no scheduler ran (older than the grace period):
 * `skip` drops them and resumes at the next future tick; `catch_up` fires the latest
 * `maxCatchUp` of them, oldest first, so a week of downtime cannot unleash thousands of jobs.
 */
export type MisfirePolicy = { policy: 'skip' } | { policy: 'catch_up'; maxCatchUp: number };

/** Largest `maxCatchUp` accepted. */
export const MAX_CATCH_UP = 100;

export interface FiringPlan {
  /** Scheduled times to fire now, oldest first; each becomes one tick event. */
  fire: Date[];
  /** Scheduled times that were due and are dropped by the misfire policy. */
  skipped: number;
  /** How many of `fire` are missed ticks fired late by `catch_up` (older than the grace period). */
  caughtUp: number;
  /** The next time to look at this schedule, or null when it has no more ticks. */
  nextFireAt: Date | null;
}

export interface PlanInput {
  spec: ScheduleSpec;
  /** The schedule's stored `next_fire_at`: the oldest tick not yet fired. */
  dueAt: Date;
  now: Date;
  misfire: MisfirePolicy;
  /** A tick at most this late is on time, not a misfire, ms (the loop's polling delay, a busy moment). */
  graceMs: number;
  /** Most ticks fired per plan, whatever the policy; the rest wait for the next round. */
  limit: number;
}

/**
 * Which ticks of one schedule to fire at `now`. On-time ticks (within the grace period) always
 * fire; older ones follow the misfire policy. The next fire time is computed from the ticks, not
 * from `now` plus a period, so a daily 02:30 job stays on croner's DST rules: the skipped 02:30
 * of spring-forward day fires once at 03:00, the doubled 02:30 of fall-back day fires once.
 */
export function planFiring(input: PlanInput): FiringPlan {
  const { spec, dueAt, now, misfire, graceMs, limit } = input;
  if (dueAt.getTime() > now.getTime()) return { fire: [], skipped: 0, caughtUp: 0, nextFireAt: dueAt };
  const cutoff = new Date(Math.max(dueAt.getTime(), now.getTime() - graceMs));

  const missedWanted = misfire.policy === 'catch_up' ? Math.min(misfire.maxCatchUp, limit) : 0;
  const missed = lastTicksBefore(spec, dueAt, cutoff, missedWanted);
  const onTime = ticksBetween(spec, cutoff, now, limit - missed.length);
  const fire = [...missed, ...onTime];
  const last = fire.at(-1);

  // the on-time ticks filled the budget: continue after the last one next round instead of skipping
  const truncated = onTime.length > 0 && onTime.length === limit - missed.length && (nextTickAfter(spec, onTime[onTime.length - 1]) ?? now) <= now;
  const nextFireAt = truncated && last ? nextTickAfter(spec, last) : nextTickAfter(spec, now);
  const skipped = cutoff.getTime() > dueAt.getTime() ? countTicks(spec, dueAt, cutoff) - missed.length : 0;
  return { fire, skipped: Math.max(0, skipped), caughtUp: missed.length, nextFireAt };
}

/** Number of ticks t with from <= t < to, counted up to a bound (only for logs and metrics). */
function countTicks(spec: ScheduleSpec, from: Date, to: Date, bound = 10_000): number {
  return ticksBetween(spec, from, new Date(to.getTime() - 1), bound).length;
}
