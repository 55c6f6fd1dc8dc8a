import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { OutageLog } from '@junction/platform/logging';

const links = new WeakMap<NatsConnection, NatsLink>();

/**
 * Delay before each reconnect attempt: doubles from 250 ms to 2 s, with jitter so replicas do not
 * reconnect in lockstep, and starts over after a successful reconnect.
 */
export class ReconnectBackoff {
  private attempts = 0;

  next(): number {
    const ceiling = Math.min(2_000, 250 * 2 ** this.attempts);
    this.attempts++;
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  reset(): void {
    this.attempts = 0;
  }
}

/**
 * What the process knows about its NATS connection: up or down, from the client's own status
 * events. Requests and publishes go through `guard`: refused at once while the connection is
 * down (the client would otherwise buffer them and wait out their timeout), and failed at once
 * when it drops under them (a reply sent to the old connection never arrives, so waiting for it
 * only burns the deadline). One log line per outage and one per recovery, with the count of
 * calls refused meanwhile.
 */
export class NatsLink {
  private connected = true;
  private readonly aborts = new Set<() => void>();
  private outage: OutageLog | undefined;
  private backoff: ReconnectBackoff | undefined;

  private constructor(private readonly nc: NatsConnection) {
    void this.watch();
  }

  /** The one link of a connection; `logger` (once given) gets the outage and recovery lines. */
  static of(nc: NatsConnection, options: { logger?: Logger; backoff?: ReconnectBackoff } = {}): NatsLink {
    let link = links.get(nc);
    if (!link) {
      link = new NatsLink(nc);
      links.set(nc, link);
    }
    if (options.logger && !link.outage) link.outage = new OutageLog(options.logger, 'NATS');
    if (options.backoff) link.backoff = options.backoff;
    return link;
  }

  /** A call refused because the connection is down (counted in the recovery line). */
  refused(): void {
    this.outage?.down();
  }

  get isUp(): boolean {
    return this.connected && !this.nc.isClosed();
  }

  /** Calls in flight right now (for tests and metrics). */
  get inFlight(): number {
    return this.aborts.size;
  }

  /**
   * Runs `call` while the connection is up and settles with it, unless the connection drops first:
   * then rejects at once with `lost()`. Refused with `lost()` without calling when the connection is down.
   */
  async guard<T>(call: () => Promise<T>, lost: () => Error): Promise<T> {
    if (!this.isUp) {
      this.outage?.down();
      throw lost();
    }
    const running = call();
    let abort: () => void = () => undefined;
    const aborted = new Promise<never>((_, reject) => {
      abort = () => reject(lost());
    });
    // whichever loses the race must not surface as an unhandled rejection
    running.catch(() => undefined);
    aborted.catch(() => undefined);
    this.aborts.add(abort);
    try {
      return await Promise.race([running, aborted]);
    } finally {
      this.aborts.delete(abort);
    }
  }

  private async watch(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect') this.dropped();
      else if (status.type === 'reconnect') {
        this.connected = true;
        this.backoff?.reset();
        this.outage?.up();
      }
    }
    // the status iterator ends when the connection is closed for good (a shutdown: not an outage)
    this.dropped(false);
  }

  private dropped(outage = true): void {
    this.connected = false;
    if (outage) this.outage?.down(undefined, false);
    for (const abort of [...this.aborts]) {
      abort();
      if (outage) this.outage?.down();
    }
    this.aborts.clear();
  }
}
