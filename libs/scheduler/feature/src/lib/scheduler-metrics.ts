import { Counter, Histogram } from 'prom-client';
import type { ServiceMetrics } from '@junction/platform/metrics';

const LAG_SECONDS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600];

/** What fires: a cron or interval schedule's tick, or a one-off timer (a recipe's wait, a retry's wake-up). */
export type FiringKind = 'tick' | 'timer';

/**
 * The scheduler's questions: how late do ticks and timers fire, and how many ticks were missed
 * (skipped or caught up by the misfire policy) while no scheduler ran. Labels are the firing
 * kind and the misfire outcome, never a schedule or workspace id.
 */
export class SchedulerMetrics {
  private static readonly byRegistry = new WeakMap<ServiceMetrics, SchedulerMetrics>();

  readonly fired: Counter<'kind'>;
  readonly fireLag: Histogram<'kind'>;
  readonly missedTicks: Counter<'outcome'>;

  /** One set per service registry (tick and timer firing share it). */
  static of(metrics: ServiceMetrics): SchedulerMetrics {
    let found = SchedulerMetrics.byRegistry.get(metrics);
    if (!found) {
      found = new SchedulerMetrics(metrics);
      SchedulerMetrics.byRegistry.set(metrics, found);
    }
    return found;
  }

  private constructor(metrics: ServiceMetrics) {
    const registers = [metrics.registry];
    this.fired = new Counter({ name: 'junction_schedule_fired_total', help: 'Ticks and timers published, by kind (tick, timer)', labelNames: ['kind'], registers });
    this.fireLag = new Histogram({
      name: 'junction_schedule_fire_lag_seconds',
      help: 'From the instant a tick or timer was due to its publication, by kind (tick, timer)',
      labelNames: ['kind'],
      buckets: LAG_SECONDS,
      registers,
    });
    this.missedTicks = new Counter({
      name: 'junction_schedule_missed_ticks_total',
      help: 'Ticks due while no scheduler ran, by what the misfire policy did with them (skipped, caught_up)',
      labelNames: ['outcome'],
      registers,
    });
    // present at 0 from the start, so that rate() and alerts see them before the first event
    for (const kind of ['tick', 'timer'] as const) this.fired.inc({ kind }, 0);
    for (const outcome of ['skipped', 'caught_up'] as const) this.missedTicks.inc({ outcome }, 0);
  }

  /** After the round's commit: the instants it fired (each one tick or timer) at `firedAt`. */
  firedAt(kind: FiringKind, due: Date[], firedAt: Date): void {
    for (const at of due) {
      this.fired.inc({ kind });
      this.fireLag.observe({ kind }, Math.max(0, firedAt.getTime() - at.getTime()) / 1000);
    }
  }

  missed(skipped: number, caughtUp: number): void {
    if (skipped > 0) this.missedTicks.inc({ outcome: 'skipped' }, skipped);
    if (caughtUp > 0) this.missedTicks.inc({ outcome: 'caught_up' }, caughtUp);
  }
}
