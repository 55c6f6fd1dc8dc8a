import { Gauge, type Registry } from 'prom-client';
import { ScrapeSample, withinMs } from './scrape-sample';

/** What a durable consumer holds: messages stored and not yet acknowledged, and how long the oldest has waited. */
export interface QueueReading {
  depth: number;
  oldestAgeSeconds: number;
}

export type QueueProbe = () => Promise<QueueReading>;

// one slow server must not hold the whole scrape (Prometheus' default timeout is 10 s)
const PROBE_TIMEOUT_MS = 2000;

/**
 * `junction_queue_depth` and `junction_queue_oldest_age_seconds` per stream and consumer, read
 * from the queue (JetStream consumer info, the embedded queue's table) when scraped. A consumer
 * whose probe fails or times out has no sample in that scrape rather than a stale one.
 */
export class QueueGauges {
  private readonly probes = new Map<string, { stream: string; consumer: string; probe: QueueProbe }>();
  private readonly sample = new ScrapeSample(() => this.readAll());

  constructor(registers: Registry[]) {
    const depth: Gauge<'stream' | 'consumer'> = new Gauge({
      name: 'junction_queue_depth',
      help: 'Durable messages stored and not yet acknowledged (waiting plus in flight), by stream and consumer',
      labelNames: ['stream', 'consumer'],
      registers,
      collect: async (): Promise<void> => this.fill(depth, (r) => r.depth),
    });
    const age: Gauge<'stream' | 'consumer'> = new Gauge({
      name: 'junction_queue_oldest_age_seconds',
      help: 'Age of the oldest unacknowledged message, by stream and consumer (0 when none waits)',
      labelNames: ['stream', 'consumer'],
      registers,
      collect: async (): Promise<void> => this.fill(age, (r) => r.oldestAgeSeconds),
    });
  }

  watch(stream: string, consumer: string, probe: QueueProbe): () => void {
    const key = `${stream}\u0000${consumer}`;
    const entry = { stream, consumer, probe };
    this.probes.set(key, entry);
    return () => {
      if (this.probes.get(key) === entry) this.probes.delete(key);
    };
  }

  private async fill(gauge: Gauge<'stream' | 'consumer'>, pick: (r: QueueReading) => number): Promise<void> {
    const readings = await this.sample.get();
    gauge.reset();
    for (const { stream, consumer, reading } of readings) gauge.set({ stream, consumer }, pick(reading));
  }

  private async readAll(): Promise<{ stream: string; consumer: string; reading: QueueReading }[]> {
    const entries = [...this.probes.values()];
    const readings = await Promise.all(entries.map((e) => withinMs(e.probe(), PROBE_TIMEOUT_MS, undefined)));
    return entries.flatMap((e, i) => {
      const reading = readings[i];
      return reading ? [{ stream: e.stream, consumer: e.consumer, reading }] : [];
    });
  }
}
