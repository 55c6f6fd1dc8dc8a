/**
 * Replies finished in one event-loop turn go out together (#19). A service that answers requests
 * after its own I/O (the connectors service after each third party's answer, each on its own
 * socket) finishes one request per I/O callback, and the NATS client flushes what it queued at the
 * end of each callback's microtasks: one loopback write per reply. Here each reply waits for the
 * turn's check phase and all of them are handed to the client in one go, so they leave in one
 * write. The wait is the rest of the current turn, not a timer.
 */
export class ReplyTurn {
  private pending: (() => void)[] = [];

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Runs `respond` in this turn's check phase, together with every other reply of the turn. */
  send(respond: () => void): void {
    if (this.pending.push(respond) === 1) setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    const ready = this.pending;
    this.pending = [];
    for (const respond of ready) {
      try {
        respond();
      } catch (error) {
        // one reply that cannot be sent (the connection closed) does not keep the others
        this.onError(error);
      }
    }
  };
}
