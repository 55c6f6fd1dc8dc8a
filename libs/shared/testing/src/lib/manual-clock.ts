/** A pending timer of a `ManualClock`; pass it back to `clearTimeout`. */
export interface ManualTimer {
  readonly dueAt: number;
}

interface Pending extends ManualTimer {
  readonly seq: number;
  readonly fire: () => void;
}

/**
 * Time that moves only when the test says so. It fits the code base's three clock shapes:
 * the scheduler's `Clock` (`{ now(): Date }`, pass the clock), auth's `CLOCK` (`() => Date`, pass
 * `clock.now`) and the in-process adapters' `now?: () => number` (pass `clock.millis`).
 * Timers set through it (`setTimeout`, `sleep`) fire when `advance` passes their due time, in
 * due order, each seeing `now()` equal to its due time — never on their own.
 */
export class ManualClock {
  private current: number;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(start: Date | string | number = '2026-01-01T00:00:00.000Z') {
    this.current = new Date(start).getTime();
    if (Number.isNaN(this.current)) throw new Error(`ManualClock: not a time: ${String(start)}`);
  }

  /** Now as a Date (a new object each call). Bound: `clock.now` can be handed around alone. */
  readonly now = (): Date => new Date(this.current);

  /** Now as epoch ms. Bound, like `now`. */
  readonly millis = (): number => this.current;

  /** Runs `fire` once `advance` reaches `ms` from now (0 or less: on the next advance, even by 0). */
  setTimeout(fire: () => void, ms: number): ManualTimer {
    const timer: Pending = { dueAt: this.current + Math.max(0, ms), seq: this.seq++, fire };
    this.pending.push(timer);
    return timer;
  }

  clearTimeout(timer: ManualTimer | undefined): void {
    this.pending = this.pending.filter((t) => t !== timer);
  }

  /** Resolves when the clock has been advanced `ms` past now. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** Timers set and not yet fired or cleared. */
  get pendingTimers(): number {
    return this.pending.length;
  }

  /**
   * Moves time forward `ms`, firing the timers due on the way synchronously. A timer that a
   * callback sets within the window fires too. Code that awaits between timers needs `advanceAsync`.
   */
  advance(ms: number): void {
    this.moveTo(this.target(ms));
  }

  /**
   * As `advance`, but lets pending promise callbacks run before and after each timer fires, so a
   * loop like `while (…) { await work(); await clock.sleep(n); }` makes its rounds as time passes.
   */
  async advanceAsync(ms: number): Promise<void> {
    const to = this.target(ms);
    await settle();
    for (let next = this.nextDue(to); next; next = this.nextDue(to)) {
      this.fireOne(next);
      await settle();
    }
    this.current = to;
  }

  /** Jumps to a later time (firing what falls due, as `advance` does); a time in the past is refused. */
  set(to: Date | string | number): void {
    const at = new Date(to).getTime();
    if (!(at >= this.current)) throw new Error(`ManualClock: cannot go back from ${this.now().toISOString()} to ${String(to)}`);
    this.moveTo(at);
  }

  private target(ms: number): number {
    if (!(ms >= 0)) throw new Error(`ManualClock: advance by a non-negative number of ms, not ${ms}`);
    return this.current + ms;
  }

  private moveTo(to: number): void {
    for (let next = this.nextDue(to); next; next = this.nextDue(to)) this.fireOne(next);
    this.current = to;
  }

  private nextDue(to: number): Pending | undefined {
    let next: Pending | undefined;
    for (const t of this.pending) {
      if (t.dueAt <= to && (!next || t.dueAt < next.dueAt || (t.dueAt === next.dueAt && t.seq < next.seq))) next = t;
    }
    return next;
  }

  private fireOne(timer: Pending): void {
    this.pending = this.pending.filter((t) => t !== timer);
    this.current = Math.max(this.current, timer.dueAt);
    timer.fire();
  }
}

/** Lets every queued promise callback (and what they queue in turn) run: one turn of the event loop. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
