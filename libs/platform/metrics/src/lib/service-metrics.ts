import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's metric registry and the metrics every service shares. One instance per process;
 * a registry of our own (not prom-client's global) so tests can boot several services at once.
 */
export class ServiceMetrics {
  readonly registry = new Registry();

  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly rpcClientDuration: Histogram<'subject' | 'outcome'>;
  readonly rpcServerDuration: Histogram<'subject' | 'outcome'>;
  readonly messagesPublished: Counter<'subject' | 'outcome'>;
  readonly messagesConsumed: Counter<'subject' | 'outcome'>;

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests served, by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets,
      registers: [this.registry],
    });
    this.rpcClientDuration = new Histogram({
      name: 'nats_request_duration_seconds',
      help: 'Requests this service sent to others, by subject and outcome (ok, error, timeout, invalid)',
      labelNames: ['subject', 'outcome'],
      buckets,
      registers: [this.registry],
    });
    this.rpcServerDuration = new Histogram({
      name: 'nats_handler_duration_seconds',
      help: 'Requests this service answered, by subject and outcome',
      labelNames: ['subject', 'outcome'],
      buckets,
      registers: [this.registry],
    });
    this.messagesPublished = new Counter({
      name: 'jetstream_published_total',
      help: 'Durable messages published, by subject and outcome (stored, duplicate, error)',
      labelNames: ['subject', 'outcome'],
      registers: [this.registry],
    });
    this.messagesConsumed = new Counter({
      name: 'jetstream_consumed_total',
      help: 'Durable messages handled, by subject and outcome (ack, retry, drop)',
      labelNames: ['subject', 'outcome'],
      registers: [this.registry],
    });
  }
}
