/**
 * Lets publishes go together: each waits for the event loop's check phase (after the I/O callbacks
 * of this turn), then all that waited continue in one sweep. The NATS client writes what was queued
 * in one microtask round as one socket write, so the events of requests read in the same turn reach
 * JetStream in one write instead of one each (a loopback write cost the gateway more CPU than any
 * other function of the hook route). Each caller still awaits its own acknowledgement.
 */
export class PublishTurn {
  private waiting: (() => void)[] = [];

  /** Resolves in this turn's check phase, together with every other caller of this turn. */
  next(): Promise<void> {
    return new Promise((resolve) => {
      if (this.waiting.push(resolve) === 1) setImmediate(this.release);
    });
  }

  private readonly release = (): void => {
    const ready = this.waiting;
    this.waiting = [];
    for (const resolve of ready) resolve();
  };
}
