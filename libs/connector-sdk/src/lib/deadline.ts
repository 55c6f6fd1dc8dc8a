/**
 * Timeouts for many calls on one timer. `AbortSignal.timeout(ms)` makes a timer and a weak
 * reference per call and keeps both until the timeout passes, even when the call ended long before
 * (30 s for every action call and every HTTP request); `AbortSignal.any` adds weak references to
 * each parent. Here a call registers its deadline in a set, one timer is armed for the earliest
 * deadline, and the call removes itself when it ends (#19: "no per-call timers where one suffices").
 */
interface Entry {
  at: number;
  expire: () => void;
}

class DeadlineTimer {
  private readonly entries = new Set<Entry>();
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Infinity;

  /** Calls `expire` once `ms` have passed, unless the returned cancel comes first. */
  after(ms: number, expire: () => void): () => void {
    const entry: Entry = { at: Date.now() + ms, expire };
    this.entries.add(entry);
    if (entry.at < this.armedAt) this.arm(entry.at);
    return () => {
      this.entries.delete(entry);
      if (this.entries.size === 0) this.disarm();
    };
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedAt = at;
    // unref: a pending deadline alone keeps no process alive, as with AbortSignal.timeout
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - Date.now())).unref();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Infinity;
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const entry of this.entries) {
      if (entry.at <= now) {
        this.entries.delete(entry);
        entry.expire();
      } else if (entry.at < next) next = entry.at;
    }
    if (next !== Infinity && next < this.armedAt) this.arm(next);
  }
}

const shared = new DeadlineTimer();

/** A call's signal: aborted when `ms` pass (reason a `TimeoutError`, as `AbortSignal.timeout`) or when `parent` aborts. */
export interface Deadline {
  signal: AbortSignal;
  /** Whether it was this deadline (not the parent) that aborted the signal. */
  readonly timedOut: boolean;
  /** The call ended: forget the deadline and the parent's listener. */
  release(): void;
}

export function deadline(ms: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  if (parent?.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, timedOut, release: () => undefined };
  }
  const onParent = () => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onParent, { once: true });
  const cancel = shared.after(ms, () => {
    timedOut = true;
    parent?.removeEventListener('abort', onParent);
    controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  });
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    release: () => {
      cancel();
      parent?.removeEventListener('abort', onParent);
    },
  };
}
