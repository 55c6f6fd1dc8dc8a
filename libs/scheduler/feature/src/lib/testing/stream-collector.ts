import type { Closable, DurableQueue, EventContract } from '@junction/platform/ports';

/** Every delivery of one event contract on a fresh durable consumer, with its msg id. */
export class StreamCollector<T extends object> {
  readonly deliveries: { payload: T; msgId?: string }[] = [];
  private subscription?: Closable;

  static async start<T extends object>(queue: DurableQueue, contract: EventContract<T>, durable: string): Promise<StreamCollector<T>> {
    const collector = new StreamCollector<T>();
    collector.subscription = await queue.consume(
      contract,
      async (payload, meta) => {
        collector.deliveries.push({ payload, msgId: meta.msgId });
      },
      { durable, concurrency: 16, ackWaitMs: 30_000 },
    );
    return collector;
  }

  /** Msg ids delivered more than once: must be empty. */
  duplicates(): string[] {
    const seen = new Set<string>();
    const dup: string[] = [];
    for (const d of this.deliveries) {
      const id = d.msgId ?? '(none)';
      if (seen.has(id)) dup.push(id);
      seen.add(id);
    }
    return dup;
  }

  async close(): Promise<void> {
    await this.subscription?.close();
  }
}
