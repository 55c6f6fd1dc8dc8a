import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, headers } from 'nats';
import { Client } from 'pg';
import { databaseUrl } from '@junction/platform/database';
import { TEST_SERVERS } from '@junction/shared/testing';
import type { Cluster } from './cluster-harness';

const TRIGGER_SUBJECT = 'executor.trigger.received.v1';

/**
 * What a test does beneath the API, in either mode: SQL on a service's database (the cluster's
 * Postgres, or the standalone's embedded one, found from its data directory), and a raw message
 * on the trigger stream — one the gateway would never publish (an invalid body).
 */
export class TriggerStreamAccess {
  constructor(private readonly cluster: Cluster) {}

  /** Runs SQL on `<namespace>_<service>`. */
  async sql<T = Record<string, unknown>>(service: 'executor' | 'queue', text: string, values: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: databaseUrl(this.serverUrl(), `${this.cluster.namespace}_${service}`) });
    await client.connect();
    try {
      return (await client.query(text, values)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /**
   * Puts `body` (any JSON) on the trigger stream as its producer would. Cluster: a JetStream publish.
   * Standalone: a row in the queue's tables, then a restart of the process, whose queue loads
   * pending deliveries at start (it is the only publisher of a running process).
   */
  async publishRaw(body: unknown, workspaceId: string): Promise<void> {
    if (this.cluster.mode === 'cluster') {
      const nc = await connect({ servers: TEST_SERVERS.nats });
      try {
        const h = headers();
        h.set('workspace-id', workspaceId);
        await nc.jetstream().publish(`${this.cluster.namespace}.${TRIGGER_SUBJECT}`, new TextEncoder().encode(JSON.stringify(body)), { headers: h });
      } finally {
        await nc.drain();
      }
      return;
    }
    const inserted = await this.sql<{ seq: string }>(
      'queue',
      `WITH m AS (
         INSERT INTO queue_message (stream, subject, payload, traceparent, workspace_id)
         VALUES ('TRIGGERS', $1, $2, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', $3) RETURNING seq
       )
       INSERT INTO queue_delivery (seq, consumer_id) SELECT m.seq, c.id FROM m, queue_consumer c WHERE c.stream = 'TRIGGERS' AND c.durable = 'executor-trigger-intake'
       RETURNING seq`,
      [TRIGGER_SUBJECT, JSON.stringify(body), workspaceId],
    );
    if (inserted.length !== 1) throw new Error('the standalone queue has no trigger intake consumer to deliver to');
    await this.cluster.killAndRestartStandalone();
  }

  private serverUrl(): string {
    if (this.cluster.mode === 'cluster') return TEST_SERVERS.postgres;
    // the embedded server picks a free port at each start: postmaster.pid's fourth line
    const port = readFileSync(join(this.cluster.dataDir, 'pg', 'postmaster.pid'), 'utf8')
      .split('\n')[3]
      .trim();
    const password = readFileSync(join(this.cluster.dataDir, 'pg-password'), 'utf8').trim();
    return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  }
}
