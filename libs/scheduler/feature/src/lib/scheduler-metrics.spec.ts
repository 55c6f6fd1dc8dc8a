import { ServiceMetrics } from '@junction/platform/metrics';
import { SchedulerMetrics } from './scheduler-metrics';

/** The exposition's lines with each line's labels sorted: prom-client orders default labels differently by metric type. */
function normalized(text: string): string[] {
  return text.split('\n').map(sortLabels);
}
function sortLabels(line: string): string {
  const m = /^([^{\s]+)\{([^}]*)\}(.*)$/.exec(line);
  return m ? `${m[1]}{${m[2].split(',').sort().join(',')}}${m[3]}` : line;
}

describe('SchedulerMetrics', () => {
  it('observes how late each tick or timer fired, by kind only', async () => {
    const metrics = new ServiceMetrics('scheduler', { defaultMetrics: false });
    const scheduler = SchedulerMetrics.of(metrics);
    const at = new Date('2026-03-01T10:00:03Z');
    scheduler.firedAt('tick', [new Date('2026-03-01T10:00:00Z'), new Date('2026-03-01T10:00:02Z')], at);
    scheduler.firedAt('timer', [new Date('2026-03-01T10:00:05Z')], at); // early (clock skew): 0, never negative
    const lag = await metrics.registry.getSingleMetricAsString('junction_schedule_fire_lag_seconds');
    expect(normalized(lag)).toContain(sortLabels('junction_schedule_fire_lag_seconds_sum{service="scheduler",kind="tick"} 4'));
    expect(normalized(lag)).toContain(sortLabels('junction_schedule_fire_lag_seconds_count{service="scheduler",kind="tick"} 2'));
    expect(normalized(lag)).toContain(sortLabels('junction_schedule_fire_lag_seconds_sum{service="scheduler",kind="timer"} 0'));
    const fired = await metrics.registry.getSingleMetricAsString('junction_schedule_fired_total');
    expect(normalized(fired)).toContain(sortLabels('junction_schedule_fired_total{service="scheduler",kind="tick"} 2'));
    expect(normalized(fired)).toContain(sortLabels('junction_schedule_fired_total{service="scheduler",kind="timer"} 1'));
  });

  it('counts missed ticks by what the misfire policy did, both present at 0 from the start', async () => {
    const metrics = new ServiceMetrics('scheduler', { defaultMetrics: false });
    const scheduler = SchedulerMetrics.of(metrics);
    expect(SchedulerMetrics.of(metrics)).toBe(scheduler);
    expect(normalized(await metrics.registry.getSingleMetricAsString('junction_schedule_missed_ticks_total'))).toContain(
      sortLabels('junction_schedule_missed_ticks_total{service="scheduler",outcome="skipped"} 0'),
    );
    scheduler.missed(5, 0);
    scheduler.missed(0, 2);
    const missed = await metrics.registry.getSingleMetricAsString('junction_schedule_missed_ticks_total');
    expect(normalized(missed)).toContain(sortLabels('junction_schedule_missed_ticks_total{service="scheduler",outcome="skipped"} 5'));
    expect(normalized(missed)).toContain(sortLabels('junction_schedule_missed_ticks_total{service="scheduler",outcome="caught_up"} 2'));
  });
});
