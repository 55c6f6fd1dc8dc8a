import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { QueueGauges, type QueueProbe } from './queue-gauges';
import { ReadinessGauges, type ReadinessProbe } from './readiness-gauges';

/** Every metric name starts with it (docs/operations.md lists them). */
export const METRIC_PREFIX = 'junction_';

export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface ServiceMetricsOptions {
  /**
   * Process metrics (CPU, memory, event loop, GC). True for a service in its own process; standalone
   * mode keeps them in its one process-wide registry instead of repeating them once per service.
   */
  defaultMetrics?: boolean;
}

/**
 * A service's metric registry and the metrics every service shares. One instance per service;
 * a registry of our own (not prom-client's global) so tests and standalone mode can hold several
 * services in one process, each labelled `service`. No label may carry an id (job, key,
 * workspace, host): labels are route templates, subjects, kinds and outcomes.
 */
export class ServiceMetrics {
  readonly registry = new Registry();

  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly rpcClientDuration: Histogram<'subject' | 'outcome'>;
  readonly rpcServerDuration: Histogram<'subject' | 'outcome'>;
  readonly messagesPublished: Counter<'subject' | 'outcome'>;
  readonly messagesConsumed: Counter<'subject' | 'outcome'>;
  readonly deadLetters: Counter<'subject'>;
  private readonly queues: QueueGauges;
  private readonly readiness: ReadinessGauges;

  constructor(service: string, options: ServiceMetricsOptions = {}) {
    this.registry.setDefaultLabels({ service });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
    const registers = [this.registry];
    this.httpDuration = new Histogram({
      name: 'junction_http_request_duration_seconds',
      help: 'HTTP requests served, by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.rpcClientDuration = new Histogram({
      name: 'junction_bus_request_duration_seconds',
      help: 'Requests this service sent to others (NATS or in-process), by subject and outcome (ok, error, timeout, invalid)',
      labelNames: ['subject', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.rpcServerDuration = new Histogram({
      name: 'junction_bus_handler_duration_seconds',
      help: 'Requests this service answered, by subject and outcome',
      labelNames: ['subject', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.messagesPublished = new Counter({
      name: 'junction_queue_published_total',
      help: 'Durable messages published (JetStream or the embedded queue), by subject and outcome (stored, duplicate, error)',
      labelNames: ['subject', 'outcome'],
      registers,
    });
    this.messagesConsumed = new Counter({
      name: 'junction_queue_consumed_total',
      help: 'Durable messages handled, by subject and outcome (ack, retry, drop)',
      labelNames: ['subject', 'outcome'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'junction_queue_dead_letters_total',
      help: 'Durable messages given up (redeliveries exhausted or refused as invalid), by subject',
      labelNames: ['subject'],
      registers,
    });
    this.queues = new QueueGauges(registers);
    this.readiness = new ReadinessGauges(registers);
  }

  /** A durable consumer whose depth and oldest message age are read at each scrape; returns the function that stops it. */
  watchQueue(stream: string, consumer: string, probe: QueueProbe): () => void {
    return this.queues.watch(stream, consumer, probe);
  }

  /** The dependencies readiness waits on, checked at each scrape. */
  watchReadiness(probe: ReadinessProbe): void {
    this.readiness.watch(probe);
  }
}
