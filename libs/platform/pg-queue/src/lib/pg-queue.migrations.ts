import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The standalone queue's tables. A message is one `queue_message` row; each durable consumer that
 * must still see it has one `queue_delivery` row, deleted on ack (the message goes with the last
 * one). `queue_msg_id` remembers publish dedupe ids for the stream's window, also after the
 * message itself is gone.
 */
export class CreatePgQueue1765600000000 implements MigrationInterface {
  name = 'CreatePgQueue1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE queue_stream (
      name text PRIMARY KEY,
      subjects text[] NOT NULL,
      max_age_ms bigint NOT NULL,
      duplicate_window_ms bigint NOT NULL
    )`);
    await q.query(`CREATE SEQUENCE queue_message_seq`);
    await q.query(`CREATE TABLE queue_message (
      seq bigint PRIMARY KEY DEFAULT nextval('queue_message_seq'),
      stream text NOT NULL,
      subject text NOT NULL,
      msg_id text,
      payload text NOT NULL,
      traceparent text NOT NULL,
      workspace_id text,
      published_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`ALTER SEQUENCE queue_message_seq OWNED BY queue_message.seq`);
    await q.query(`CREATE INDEX queue_message_stream_age ON queue_message (stream, published_at)`);
    await q.query(`CREATE TABLE queue_consumer (
      id serial PRIMARY KEY,
      stream text NOT NULL,
      durable text NOT NULL,
      filter_subject text NOT NULL,
      UNIQUE (stream, durable)
    )`);
    await q.query(`CREATE TABLE queue_delivery (
      seq bigint NOT NULL,
      consumer_id int NOT NULL,
      deliveries int NOT NULL DEFAULT 0,
      not_before timestamptz,
      PRIMARY KEY (seq, consumer_id)
    )`);
    await q.query(`CREATE INDEX queue_delivery_consumer ON queue_delivery (consumer_id, seq)`);
    await q.query(`CREATE TABLE queue_msg_id (
      stream text NOT NULL,
      msg_id text NOT NULL,
      seq bigint NOT NULL,
      expires_at timestamptz NOT NULL,
      PRIMARY KEY (stream, msg_id)
    )`);
    await q.query(`CREATE INDEX queue_msg_id_expiry ON queue_msg_id (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['queue_msg_id', 'queue_delivery', 'queue_consumer', 'queue_message', 'queue_stream']) await q.query(`DROP TABLE ${table}`);
  }
}

/** Apply with `migrateExclusively` on the queue's own database. */
export const pgQueueMigrations = [CreatePgQueue1765600000000];
