import { Counter, Gauge, Histogram } from 'prom-client';
import type { ServiceMetrics } from '@junction/platform/metrics';

/** Per connector/action: calls, errors by kind, latency; per host: breaker state (0 closed, 1 half-open, 2 open). */
export class ConnectorMetrics {
  readonly calls: Counter<'connector' | 'action' | 'outcome'>;
  readonly latency: Histogram<'connector' | 'action'>;
  readonly breakerState: Gauge<'host'>;

  constructor(metrics: ServiceMetrics) {
    const registers = [metrics.registry];
    this.calls = new Counter({
      name: 'connector_calls_total',
      help: 'Action invocations by outcome (ok or the error kind)',
      labelNames: ['connector', 'action', 'outcome'],
      registers,
    });
    this.latency = new Histogram({
      name: 'connector_call_duration_seconds',
      help: 'Action invocation time, third-party calls included',
      labelNames: ['connector', 'action'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.breakerState = new Gauge({ name: 'connector_breaker_state', help: 'Circuit breaker per host: 0 closed, 1 half-open, 2 open', labelNames: ['host'], registers });
  }
}
