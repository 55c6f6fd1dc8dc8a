import type { Pool as PgPool } from 'pg';
import { perPool } from './turn-batcher';

// how long a waiter waits for a synchronous commit of someone else before one is made for it
export const DURABLE_FLUSH_WAIT_MS = 20;

// a transaction that only writes this WAL record commits synchronously (the server's
// synchronous_commit), so its commit flushes the WAL up to it: every earlier commit included
const BARRIER_SQL = `SELECT pg_logical_emit_message(true, 'junction.durable', '')`;

interface Waiter {
  /** When a barrier is made for it (epoch ms). */
  due: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Commits made without waiting for their WAL flush (`synchronous_commit` off), made durable by
 * the next synchronous commit (#19). Postgres flushes its WAL in order: a synchronous commit that
 * wrote WAL and was sent after an asynchronous one had committed returns only once the WAL up to
 * its own commit record, so the earlier commit too, is on disk. `flushed()` resolves then: on the
 * next such commit this process sends over the same pool (the checkpoint and effect-intent group
 * commits report theirs, `covering`), or, when none comes within the waiter's `waitMs`, on a commit
 * made for it (one WAL record, one flush). It rejects when that barrier fails: whether the earlier
 * commit is durable is unknown then (Postgres away), and its caller must treat it as not stored.
 *
 * A Postgres crash loses an asynchronous commit not flushed yet; what is built on one must not act
 * outside before a synchronous commit that depends on its rows (a foreign key, a compare-and-set)
 * has succeeded.
 */
export class WalDurability {
  private pending: Waiter[] = [];
  private timer?: NodeJS.Timeout;
  private timerDue = Infinity;

  constructor(private readonly pool: PgPool) {}

  /**
   * Resolves once every commit this process saw end before the call is flushed to disk: on the next
   * synchronous commit over the pool, or on one made for it after `waitMs`.
   */
  flushed(waitMs = DURABLE_FLUSH_WAIT_MS): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ due: Date.now() + waitMs, resolve, reject });
      this.arm();
    });
  }

  /**
   * A synchronous commit is about to be sent: call the answer with whether it committed having
   * written WAL (a statement that wrote no row may write none, and then flushes nothing). The
   * waiters registered before this call are resolved by it, or wait on for the next one.
   */
  covering(): (wroteWal: boolean) => void {
    if (this.pending.length === 0) return noop;
    const covered = this.pending;
    this.pending = [];
    return (wroteWal) => {
      if (wroteWal) for (const w of covered) w.resolve();
      else {
        this.pending.push(...covered);
        this.arm();
      }
    };
  }

  /** The timer of the earliest waiter. */
  private arm(): void {
    if (this.pending.length === 0) return;
    let due = Infinity;
    for (const w of this.pending) due = Math.min(due, w.due);
    if (this.timer && this.timerDue <= due) return;
    clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerDue = Infinity;
        void this.barrier();
      },
      Math.max(0, due - Date.now()),
    );
    this.timer.unref();
  }

  /** One synchronous commit for every waiter: the due ones made it come, the others go along. */
  private async barrier(): Promise<void> {
    if (this.pending.length === 0) return;
    const covered = this.pending;
    this.pending = [];
    try {
      await this.pool.query({ name: 'executor_wal_durability_barrier', text: BARRIER_SQL });
      for (const w of covered) w.resolve();
    } catch (error) {
      for (const w of covered) w.reject(error);
    }
  }
}

function noop(): void {
  // nothing was waiting
}

/** The one per pool: the group commits and the asynchronous writers over a pool share it. */
export const walDurability = perPool((pool) => new WalDurability(pool));
