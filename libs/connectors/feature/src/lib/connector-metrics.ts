import { Counter, Gauge, Histogram } from 'prom-client';
import type { ServiceMetrics } from '@junction/platform/metrics';

/**
 * Per connector/action: calls, errors by kind, latency. Breakers are reported as counts by state
 * and a count of openings, with no workspace or host label: hosts come from recipes and custom
 * connectors, so a label per host would let tenants grow the series without bound. Which
 * workspace and host opened is in the log line of each opening.
 */
export class ConnectorMetrics {
  readonly calls: Counter<'connector' | 'action' | 'outcome'>;
  readonly latency: Histogram<'connector' | 'action'>;
  readonly breakers: Gauge<'state'>;
  readonly breakerOpenings: Counter;
  private breakerCounts?: () => Record<string, number>;

  constructor(metrics: ServiceMetrics) {
    const registers = [metrics.registry];
    this.calls = new Counter({
      name: 'junction_connector_calls_total',
      help: 'Action invocations by outcome (ok or the error kind)',
      labelNames: ['connector', 'action', 'outcome'],
      registers,
    });
    this.latency = new Histogram({
      name: 'junction_connector_call_duration_seconds',
      help: 'Action invocation time, third-party calls included',
      labelNames: ['connector', 'action'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.breakers = new Gauge({
      name: 'junction_connector_breakers',
      help: 'Circuit breakers held (one per workspace and host), by state',
      labelNames: ['state'],
      registers,
      // read at scrape time: counting on each transition would miss breakers evicted from the map
      collect: () => {
        for (const [state, count] of Object.entries(this.breakerCounts?.() ?? {})) this.breakers.set({ state }, count);
      },
    });
    this.breakerOpenings = new Counter({ name: 'junction_connector_breaker_openings_total', help: 'Times a workspace’s breaker for a host opened', registers });
  }

  /** Where the breaker gauge reads its counts at each scrape. */
  watchBreakers(counts: () => Record<string, number>): void {
    this.breakerCounts = counts;
  }
}
