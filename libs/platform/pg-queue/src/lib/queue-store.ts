import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { StreamDefinition } from '@junction/platform/ports';
import { SharedGate } from './shared-gate';

// the same defaults as the JetStream adapter
export const DEFAULT_MAX_AGE_MS = 7 * 24 * 3600_000;
export const DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60_000;
// session advisory lock held by the process that dispatches from this database
const OWNER_LOCK_KEY = 7_236_101;
const OWNER_WAIT_MS = 15_000;

export interface StoredStream {
  name: string;
  subjects: string[];
  maxAgeMs: number;
  duplicateWindowMs: number;
}

export interface StoredConsumer {
  id: number;
  stream: string;
  durable: string;
  filterSubject: string;
}

export interface NewMessage {
  stream: string;
  subject: string;
  msgId?: string;
  payload: string;
  traceparent: string;
  workspaceId?: string;
}

/** One message as one consumer still has it (payload fetched separately, when dispatched). */
export interface PendingDelivery {
  seq: number;
  subject: string;
  msgId?: string;
  traceparent: string;
  workspaceId?: string;
  publishedAt: number;
  deliveries: number;
  notBefore: number;
}

// Several publishes in one statement (one commit): the dedupe rows are taken first (in key order, so
// two statements claiming the same ids cannot deadlock), a conflict with a live one stores nothing
// (its seq comes back null), an expired one is taken over. `chosen` is
// referenced more than once, so Postgres materializes it: each row draws its sequence number once.
const PUBLISH_BATCH = `WITH input AS (
    SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[])
      AS i(idx, stream, subject, payload, traceparent, workspace_id, msg_id, window_ms)),
  claimed AS (
    INSERT INTO queue_msg_id AS k (stream, msg_id, seq, expires_at)
    SELECT stream, msg_id, nextval('queue_message_seq'), now() + window_ms * interval '1 millisecond' FROM input WHERE msg_id IS NOT NULL ORDER BY stream, msg_id
    ON CONFLICT (stream, msg_id) DO UPDATE SET seq = EXCLUDED.seq, expires_at = EXCLUDED.expires_at WHERE k.expires_at <= now()
    RETURNING stream, msg_id, seq),
  chosen AS (
    SELECT i.*, CASE WHEN i.msg_id IS NULL THEN nextval('queue_message_seq') ELSE c.seq END AS seq
      FROM input i LEFT JOIN claimed c ON c.stream = i.stream AND c.msg_id = i.msg_id ORDER BY i.idx),
  msg AS (
    INSERT INTO queue_message (seq, stream, subject, msg_id, payload, traceparent, workspace_id)
    SELECT seq, stream, subject, msg_id, payload, traceparent, workspace_id FROM chosen WHERE seq IS NOT NULL),
  fan AS (
    INSERT INTO queue_delivery (seq, consumer_id)
    SELECT ch.seq, f.consumer_id FROM chosen ch JOIN unnest($9::int[], $10::int[]) AS f(idx, consumer_id) ON f.idx = ch.idx WHERE ch.seq IS NOT NULL)
  SELECT idx, seq, now() AS published_at FROM chosen`;

// publish statements in flight at once; what arrives meanwhile waits and goes in the next one
const PUBLISH_STATEMENTS = 2;
const BATCH_MAX_MESSAGES = 256;
const BATCH_MAX_BYTES = 4 * 1024 * 1024;

interface QueuedPublish {
  message: NewMessage;
  consumerIds: number[];
  duplicateWindowMs: number;
  resolve: (result: { seq: number; publishedAt: number; duplicate: boolean }) => void;
  reject: (error: unknown) => void;
}

// one statement, so a crash cannot leave a message without the rows that keep it; the inner
// NOT EXISTS skips the rows this statement deletes (a statement does not see its own deletions)
const ACK = `WITH a AS (SELECT * FROM unnest($1::int[], $2::bigint[]) AS a(consumer_id, seq)),
  gone AS (DELETE FROM queue_delivery d USING a WHERE d.consumer_id = a.consumer_id AND d.seq = a.seq RETURNING d.seq)
  DELETE FROM queue_message m WHERE m.seq IN (SELECT seq FROM gone)
    AND NOT EXISTS (SELECT 1 FROM queue_delivery d WHERE d.seq = m.seq
      AND NOT EXISTS (SELECT 1 FROM a WHERE a.consumer_id = d.consumer_id AND a.seq = d.seq))`;

const PURGE_STREAM = `WITH old AS (
    DELETE FROM queue_message WHERE stream = $1 AND published_at < now() - $2::bigint * interval '1 millisecond' RETURNING seq)
  DELETE FROM queue_delivery d USING old WHERE d.seq = old.seq`;

/** A NATS subject pattern (`*` one token, `>` the rest) as a Postgres regular expression. */
export function subjectRegex(pattern: string): string {
  const tokens = pattern.split('.').map((t) => (t === '*' ? '[^.]+' : t === '>' ? '.+' : t.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&')));
  return `^${tokens.join('\\.')}$`;
}

const toMs = (value: Date | string | null): number => (value === null ? 0 : new Date(value).getTime());

/**
 * The SQL side of the standalone queue: every statement it runs, the stream and consumer
 * catalogue (mirrored in memory, since this process is the database's only dispatcher), and
 * batched acks. Writes that must not interleave with a new consumer's back-fill run under
 * `gate`: publishes, ack flushes and purges shared, consumer creation exclusive.
 */
export class QueueStore {
  private readonly gate = new SharedGate();
  private serial: Promise<unknown> = Promise.resolve();
  private readonly streams = new Map<string, StoredStream>();
  private readonly ensured = new Map<string, Promise<StoredStream>>();
  private readonly consumers = new Map<string, StoredConsumer>();
  private readonly publishQueue: QueuedPublish[] = [];
  private publishing = 0;
  private ackConsumers: number[] = [];
  private ackSeqs: number[] = [];
  private readonly started = new Map<string, [consumerId: number, seq: number, deliveries: number]>();
  private flushQueued = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private owner: PoolClient | undefined;
  private opening: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly logger: Logger,
  ) {}

  /** Takes the database's dispatcher lock (waiting a little for a killed predecessor's session to end) and loads the catalogue. */
  open(): Promise<void> {
    this.opening ??= this.takeOwnership().catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }

  private async takeOwnership(): Promise<void> {
    const client = await this.pool.connect();
    client.on('error', (error) => this.logger.error({ err: error }, 'queue database session lost'));
    const deadline = Date.now() + OWNER_WAIT_MS;
    try {
      while (!(await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [OWNER_LOCK_KEY])).rows[0].ok) {
        if (Date.now() > deadline) {
          throw new Error('another process dispatches from this queue database (its advisory lock is held); run one Junction process per data directory');
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      const [streams, consumers] = await Promise.all([
        client.query<{ name: string; subjects: string[]; max_age_ms: string; duplicate_window_ms: string }>('SELECT * FROM queue_stream'),
        client.query<{ id: number; stream: string; durable: string; filter_subject: string }>('SELECT * FROM queue_consumer'),
      ]);
      for (const row of streams.rows) this.streams.set(row.name, streamOf(row));
      for (const row of consumers.rows)
        this.consumers.set(`${row.stream}|${row.durable}`, { id: row.id, stream: row.stream, durable: row.durable, filterSubject: row.filter_subject });
      this.owner = client;
    } catch (error) {
      client.release(true);
      throw error;
    }
  }

  /** Creates the stream, or (when `owner`) brings its limits up to date; others use it as stored. */
  ensureStream(def: StreamDefinition, owner: boolean): Promise<StoredStream> {
    const key = `${def.name}|${owner}`;
    let pending = this.ensured.get(key);
    if (!pending) {
      pending = this.writeStream(def, owner);
      pending.catch(() => this.ensured.delete(key));
      this.ensured.set(key, pending);
    }
    return pending;
  }

  private async writeStream(def: StreamDefinition, owner: boolean): Promise<StoredStream> {
    await this.open();
    const values = [def.name, def.subjects, def.maxAgeMs ?? DEFAULT_MAX_AGE_MS, def.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS];
    const conflict = owner ? 'DO UPDATE SET subjects = EXCLUDED.subjects, max_age_ms = EXCLUDED.max_age_ms, duplicate_window_ms = EXCLUDED.duplicate_window_ms' : 'DO NOTHING';
    await this.pool.query(`INSERT INTO queue_stream (name, subjects, max_age_ms, duplicate_window_ms) VALUES ($1, $2, $3, $4) ON CONFLICT (name) ${conflict}`, values);
    const { rows } = await this.pool.query<{ name: string; subjects: string[]; max_age_ms: string; duplicate_window_ms: string }>('SELECT * FROM queue_stream WHERE name = $1', [
      def.name,
    ]);
    const stream = streamOf(rows[0]);
    this.streams.set(stream.name, stream);
    return stream;
  }

  stream(name: string): StoredStream | undefined {
    return this.streams.get(name);
  }

  consumer(stream: string, durable: string): StoredConsumer | undefined {
    return this.consumers.get(`${stream}|${durable}`);
  }

  /** The consumers a message of `subject` on `stream` goes to. */
  consumersOf(stream: string, matches: (filter: string) => boolean): StoredConsumer[] {
    const found: StoredConsumer[] = [];
    for (const c of this.consumers.values()) if (c.stream === stream && matches(c.filterSubject)) found.push(c);
    return found;
  }

  /**
   * Creates a durable consumer that starts with every message its filter matches still stored
   * (JetStream's deliver-all). Exclusive: no publish may commit between reading the catalogue and
   * the back-fill, or the new consumer would miss it.
   */
  async ensureConsumer(stream: string, durable: string, filterSubject: string): Promise<StoredConsumer> {
    await this.open();
    const key = `${stream}|${durable}`;
    const known = this.consumers.get(key);
    if (known?.filterSubject === filterSubject) return known;
    return this.gate.exclusive(async () => {
      const again = this.consumers.get(key);
      if (again?.filterSubject === filterSubject) return again;
      const { rows } = await this.pool.query<{ id: number }>(
        `WITH c AS (
            INSERT INTO queue_consumer (stream, durable, filter_subject) VALUES ($1, $2, $3)
            ON CONFLICT (stream, durable) DO UPDATE SET filter_subject = EXCLUDED.filter_subject RETURNING id),
          fill AS (INSERT INTO queue_delivery (seq, consumer_id) SELECT m.seq, c.id FROM queue_message m, c WHERE m.stream = $1 AND m.subject ~ $4 ON CONFLICT DO NOTHING)
          SELECT id FROM c`,
        [stream, durable, filterSubject, subjectRegex(filterSubject)],
      );
      const consumer = { id: rows[0].id, stream, durable, filterSubject };
      this.consumers.set(key, consumer);
      return consumer;
    });
  }

  /**
   * Stores a message and its deliveries: committed when this resolves. Publishes that arrive while
   * earlier ones are being written share the next statement, so a burst costs a few commits
   * (fsyncs), not one each, and a lone publish is written at once.
   */
  insert(message: NewMessage, consumerIds: number[], duplicateWindowMs: number): Promise<{ seq: number; publishedAt: number; duplicate: boolean }> {
    return new Promise((resolve, reject) => {
      this.publishQueue.push({ message, consumerIds, duplicateWindowMs, resolve, reject });
      this.writePublishes();
    });
  }

  private writePublishes(): void {
    while (this.publishing < PUBLISH_STATEMENTS && this.publishQueue.length > 0) {
      const batch = this.takeBatch();
      this.publishing++;
      this.gate
        .shared(() => this.writeBatch(batch))
        .catch((error: unknown) => {
          for (const p of batch) p.reject(error);
        })
        .finally(() => {
          this.publishing--;
          this.writePublishes();
        });
    }
  }

  /** The next publishes in arrival order, up to the limits; a second copy of a msg-id waits for the next statement (one statement may not claim a key twice). */
  private takeBatch(): QueuedPublish[] {
    const queue = this.publishQueue;
    const batch: QueuedPublish[] = [];
    const later: QueuedPublish[] = [];
    const keys = new Set<string>();
    let bytes = 0;
    let i = 0;
    for (; i < queue.length && batch.length < BATCH_MAX_MESSAGES; i++) {
      const next = queue[i];
      if (batch.length > 0 && bytes + next.message.payload.length > BATCH_MAX_BYTES) break;
      const key = next.message.msgId === undefined ? undefined : `${next.message.stream}|${next.message.msgId}`;
      if (key !== undefined && keys.has(key)) {
        later.push(next);
        continue;
      }
      if (key !== undefined) keys.add(key);
      bytes += next.message.payload.length;
      batch.push(next);
    }
    queue.splice(0, i, ...later);
    return batch;
  }

  private async writeBatch(batch: QueuedPublish[]): Promise<void> {
    const columns: unknown[][] = [[], [], [], [], [], [], [], [], [], []];
    batch.forEach(({ message: m, consumerIds, duplicateWindowMs }, idx) => {
      const row = [idx, m.stream, m.subject, m.payload, m.traceparent, m.workspaceId ?? null, m.msgId ?? null, duplicateWindowMs];
      row.forEach((value, column) => columns[column].push(value));
      for (const id of consumerIds) {
        columns[8].push(idx);
        columns[9].push(id);
      }
    });
    const { rows } = await this.pool.query<{ idx: number; seq: string | null; published_at: Date }>({ name: 'pgq_publish', text: PUBLISH_BATCH, values: columns });
    const duplicates = rows.filter((r) => r.seq === null).map((r) => batch[r.idx].message);
    const firsts = duplicates.length > 0 ? await this.firstSequences(duplicates) : new Map<string, number>();
    for (const row of rows) {
      const { message, resolve } = batch[row.idx];
      if (row.seq !== null) resolve({ seq: Number(row.seq), publishedAt: toMs(row.published_at), duplicate: false });
      else resolve({ seq: firsts.get(`${message.stream}|${message.msgId}`) ?? 0, publishedAt: 0, duplicate: true });
    }
  }

  /** The sequence numbers the first copies of these msg-ids were stored under. */
  private async firstSequences(messages: NewMessage[]): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ stream: string; msg_id: string; seq: string }>(
      'SELECT k.stream, k.msg_id, k.seq FROM queue_msg_id k JOIN unnest($1::text[], $2::text[]) AS d(stream, msg_id) ON k.stream = d.stream AND k.msg_id = d.msg_id',
      [messages.map((m) => m.stream), messages.map((m) => m.msgId)],
    );
    return new Map(rows.map((r) => [`${r.stream}|${r.msg_id}`, Number(r.seq)]));
  }

  /** What a consumer has not acknowledged yet, oldest first. */
  async pending(consumerId: number): Promise<PendingDelivery[]> {
    await this.flushAcks();
    const { rows } = await this.pool.query<{
      seq: string;
      subject: string;
      msg_id: string | null;
      traceparent: string;
      workspace_id: string | null;
      published_at: Date;
      deliveries: number;
      not_before: Date | null;
    }>(
      `SELECT d.seq, d.deliveries, d.not_before, m.subject, m.msg_id, m.traceparent, m.workspace_id, m.published_at
         FROM queue_delivery d JOIN queue_message m ON m.seq = d.seq WHERE d.consumer_id = $1 ORDER BY d.seq`,
      [consumerId],
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      subject: r.subject,
      ...(r.msg_id === null ? {} : { msgId: r.msg_id }),
      traceparent: r.traceparent,
      ...(r.workspace_id === null ? {} : { workspaceId: r.workspace_id }),
      publishedAt: toMs(r.published_at),
      deliveries: r.deliveries,
      notBefore: toMs(r.not_before),
    }));
  }

  async payloads(seqs: number[]): Promise<Map<number, string>> {
    const { rows } = await this.pool.query<{ seq: string; payload: string }>({
      name: 'pgq_payloads',
      text: 'SELECT seq, payload FROM queue_message WHERE seq = ANY($1::bigint[])',
      values: [seqs],
    });
    return new Map(rows.map((r) => [Number(r.seq), r.payload]));
  }

  /** Records an ack; written with the others of the same moment in one statement. */
  ack(consumerId: number, seq: number): void {
    this.ackConsumers.push(consumerId);
    this.ackSeqs.push(seq);
    this.scheduleFlush();
  }

  /**
   * Records that a delivery started (its count), so a message in the hands of a process that then
   * dies comes back with the next count, and `maxDeliver` also bounds a message that kills its
   * process. Written without waiting for the disk: losing it with a power cut costs only a count.
   */
  delivered(consumerId: number, seq: number, deliveries: number): void {
    this.started.set(`${consumerId}|${seq}`, [consumerId, seq, deliveries]);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => void this.flushAcks());
  }

  /** Writes the acks recorded so far; resolves once they are committed (or kept for a retry when the database failed). */
  flushAcks(): Promise<void> {
    return this.serially(async () => {
      this.flushQueued = false;
      const consumers = this.ackConsumers;
      const seqs = this.ackSeqs;
      this.ackConsumers = [];
      this.ackSeqs = [];
      // a delivery acknowledged in this same flush needs no count
      for (let i = 0; i < seqs.length; i++) this.started.delete(`${consumers[i]}|${seqs[i]}`);
      const started = [...this.started.values()];
      this.started.clear();
      if (seqs.length > 0) {
        try {
          await this.gate.shared(() => this.pool.query({ name: 'pgq_ack', text: ACK, values: [consumers, seqs] }));
        } catch (error) {
          // kept and written later: until then a restart would deliver these messages again (at least once)
          this.ackConsumers.unshift(...consumers);
          this.ackSeqs.unshift(...seqs);
          this.logger.warn({ err: error, acks: seqs.length }, 'durable acks not written yet; retrying');
          if (!this.closed) this.retryTimer ??= setTimeout(() => ((this.retryTimer = undefined), void this.flushAcks()), 1000).unref();
        }
      }
      if (started.length > 0) await this.recordDeliveries(started).catch((error: unknown) => this.logger.warn({ err: error }, 'durable delivery counts not recorded'));
    });
  }

  private async recordDeliveries(started: [number, number, number][]): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL synchronous_commit = off');
      await client.query({
        name: 'pgq_delivered',
        text: `UPDATE queue_delivery d SET deliveries = GREATEST(d.deliveries, s.n)
                 FROM unnest($1::int[], $2::bigint[], $3::int[]) AS s(consumer_id, seq, n) WHERE d.consumer_id = s.consumer_id AND d.seq = s.seq`,
        values: [started.map((s) => s[0]), started.map((s) => s[1]), started.map((s) => s[2])],
      });
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Keeps a retried message's delivery count and due time, so a restart honours them. */
  persistRetry(consumerId: number, seq: number, deliveries: number, notBefore: number): void {
    this.pool
      .query({
        name: 'pgq_retry',
        text: 'UPDATE queue_delivery SET deliveries = $3, not_before = $4 WHERE consumer_id = $1 AND seq = $2',
        values: [consumerId, seq, deliveries, new Date(notBefore)],
      })
      .catch((error: unknown) => this.logger.warn({ err: error, seq }, 'durable retry not recorded'));
  }

  /** Messages not yet acknowledged by `durable`; every stored message of the stream when it does not exist yet. */
  async backlog(stream: string, durable: string): Promise<number> {
    await this.open();
    const consumer = this.consumer(stream, durable);
    const { rows } = consumer
      ? await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM queue_delivery WHERE consumer_id = $1', [consumer.id])
      : await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM queue_message WHERE stream = $1', [stream]);
    return rows[0].n;
  }

  /** `durable`'s unacknowledged messages and the age of its oldest, for the queue gauges (zero while it does not exist). */
  async reading(stream: string, durable: string): Promise<{ depth: number; oldestAgeSeconds: number }> {
    await this.open();
    const consumer = this.consumer(stream, durable);
    if (!consumer) return { depth: 0, oldestAgeSeconds: 0 };
    const { rows } = await this.pool.query<{ n: number; age: number | null }>(
      `SELECT count(*)::int AS n, extract(epoch FROM now() - min(m.published_at))::float8 AS age
         FROM queue_delivery d JOIN queue_message m ON m.seq = d.seq
        WHERE d.consumer_id = $1`,
      [consumer.id],
    );
    return { depth: rows[0].n, oldestAgeSeconds: Math.max(0, rows[0].age ?? 0) };
  }

  /** Deletes messages past their stream's age limit (with their deliveries) and expired dedupe ids. */
  purge(): Promise<void> {
    return this.serially(() =>
      this.gate.shared(async () => {
        for (const s of this.streams.values()) if (s.maxAgeMs > 0) await this.pool.query({ name: 'pgq_purge', text: PURGE_STREAM, values: [s.name, s.maxAgeMs] });
        await this.pool.query('DELETE FROM queue_msg_id WHERE expires_at < now()');
      }),
    );
  }

  /** Writes the last acks and gives the dispatcher lock back. The pool stays the caller's. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.flushAcks();
    const owner = this.owner;
    this.owner = undefined;
    this.opening = undefined;
    if (owner) {
      await owner.query('SELECT pg_advisory_unlock($1)', [OWNER_LOCK_KEY]).catch(() => undefined);
      owner.release();
    }
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.serial.then(fn);
    this.serial = next.catch(() => undefined);
    return next;
  }
}

function streamOf(row: { name: string; subjects: string[]; max_age_ms: string; duplicate_window_ms: string }): StoredStream {
  return { name: row.name, subjects: row.subjects, maxAgeMs: Number(row.max_age_ms), duplicateWindowMs: Number(row.duplicate_window_ms) };
}
