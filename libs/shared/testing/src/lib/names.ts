import { randomBytes } from 'node:crypto';

/**
 * A namespace unique to this test run: NATS subjects, streams, Redis keys and database names
 * built from it never meet another run's on the shared servers.
 */
export function uniqueNamespace(label = 't'): string {
  return `${label}_${process.pid}_${randomBytes(3).toString('hex')}`
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 30);
}

export const TEST_SERVERS = {
  postgres: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  nats: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
};
