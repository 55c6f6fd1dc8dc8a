/**
 * A readers/writer gate inside one process: many `shared` sections at once, an `exclusive` one
 * alone (it waits for the running shared ones and holds new ones back until it is done).
 */
export class SharedGate {
  private active = 0;
  private exclusiveHeld = false;
  private readonly exclusiveQueue: (() => void)[] = [];
  private readonly sharedQueue: (() => void)[] = [];

  async shared<T>(fn: () => Promise<T>): Promise<T> {
    // when queued, wake() counts this section as active before letting it in
    if (this.exclusiveHeld || this.exclusiveQueue.length > 0) await new Promise<void>((resolve) => this.sharedQueue.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.wake();
    }
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    await new Promise<void>((resolve) => {
      this.exclusiveQueue.push(resolve);
      this.wake();
    });
    try {
      return await fn();
    } finally {
      this.exclusiveHeld = false;
      this.wake();
    }
  }

  private wake(): void {
    if (this.exclusiveHeld) return;
    if (this.exclusiveQueue.length > 0) {
      if (this.active === 0) {
        this.exclusiveHeld = true;
        this.exclusiveQueue.shift()?.();
      }
      return;
    }
    const waiting = this.sharedQueue.splice(0);
    this.active += waiting.length;
    for (const resolve of waiting) resolve();
  }
}
