import type { Pool as PgPool } from 'pg';

/** One caller's item waiting for its batch. */
interface Pending<T, R> {
  item: T;
  resolve: (answer: R) => void;
  reject: (error: unknown) => void;
}

export interface TurnBatchStatement<T, R> {
  /**
   * Sends `items` as ONE statement (one round trip, one commit) and answers each item's outcome,
   * in order. Throwing fails the batch (see `TurnBatcher` for what is retried or split).
   */
  send(pool: PgPool, items: T[]): Promise<R[]>;
  /** Items with the same key never share a batch: a later one waits for the next, so it sees the first one's write. */
  key?(item: T): string;
  /** Rows per batch; the rest wait for the next one. 256 unless told. */
  maxBatch?: number;
}

// batches of one kind sent at once by one pool; while they run, new items gather for the next
const MAX_IN_FLIGHT = 2;
const MAX_BATCH = 256;
// a batch that deadlocked with another writer of the same rows is rolled back whole and sent again
const DEADLOCK_RETRIES = 3;
const RETRYABLE = new Set(['40P01', '40001']);
// SQLSTATE classes of an error one row's data causes (22: data exception, e.g. a NUL in a jsonb;
// 23: a constraint): the batch is split so that row fails alone, not its neighbours
const ROW_ERROR_CLASSES = ['22', '23'];

/**
 * Group commit (#19): the items that this process issues within one event-loop turn (and those
 * issued while up to two earlier batches are running) go to Postgres as one statement. Each caller
 * gets its own item's outcome, and only after the statement, so its commit, has ended: nothing a
 * caller does next runs before its write is durable (or, for an asynchronous commit, committed).
 * A statement failing on one row's data is sent again row by row so only that row's caller fails;
 * any other failure (the server away, a timeout) goes to every caller of the batch.
 */
export class TurnBatcher<T, R> {
  private queue: Pending<T, R>[] = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly pool: PgPool,
    private readonly statement: TurnBatchStatement<T, R>,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.inFlight >= MAX_IN_FLIGHT || this.queue.length === 0) return;
    const max = this.statement.maxBatch ?? MAX_BATCH;
    const key = this.statement.key?.bind(this.statement);
    const batch: Pending<T, R>[] = [];
    const rest: Pending<T, R>[] = [];
    const keys = new Set<string>();
    for (const p of this.queue) {
      const k = key?.(p.item);
      if (batch.length < max && (k === undefined || !keys.has(k))) {
        if (k !== undefined) keys.add(k);
        batch.push(p);
      } else rest.push(p);
    }
    this.queue = rest;
    this.inFlight++;
    void this.send(batch).finally(() => {
      this.inFlight--;
      this.schedule();
    });
    this.schedule();
  }

  private async send(batch: Pending<T, R>[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const answers = await this.statement.send(
          this.pool,
          batch.map((p) => p.item),
        );
        batch.forEach((p, i) => p.resolve(answers[i]));
        return;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (attempt < DEADLOCK_RETRIES && typeof code === 'string' && RETRYABLE.has(code)) continue;
        if (batch.length > 1 && typeof code === 'string' && ROW_ERROR_CLASSES.includes(code.slice(0, 2))) {
          // one row's bad data must not fail the others that shared its batch
          await Promise.all(batch.map((p) => this.send([p])));
          return;
        }
        for (const p of batch) p.reject(error);
        return;
      }
    }
  }
}

/** One batcher per connection pool and kind: every repository over the same pool shares its batches. */
export function perPool<B>(make: (pool: PgPool) => B): (pool: PgPool) => B {
  const made = new WeakMap<PgPool, B>();
  return (pool) => {
    let batcher = made.get(pool);
    if (!batcher) {
      batcher = make(pool);
      made.set(pool, batcher);
    }
    return batcher;
  };
}
