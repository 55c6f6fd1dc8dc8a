import { Client } from 'pg';
import { FatalError, RetryableError } from '@junction/connector-sdk';
import { runAction } from '@junction/connector-sdk/testing';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { postgresConnector, quoteIdent } from './postgres.connector';

describe('postgres connector against this machine’s Postgres', () => {
  const db = uniqueNamespace('pgconn');
  const url = new URL(TEST_SERVERS.postgres);
  url.pathname = `/${db}`;
  const credentials = { kind: 'custom' as const, fields: { connectionString: url.toString() } };
  const admin = new Client({ connectionString: TEST_SERVERS.postgres });

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE "${db}"`);
    const c = new Client({ connectionString: url.toString() });
    await c.connect();
    await c.query('CREATE TABLE customers (email text PRIMARY KEY, name text NOT NULL, visits int NOT NULL DEFAULT 0)');
    await c.end();
  });

  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    await admin.end();
  });

  it('inserts rows and returns them', async () => {
    const out = await runAction(postgresConnector, 'insert', {
      input: {
        table: 'customers',
        rows: [
          { email: 'a@x.test', name: 'Ann' },
          { email: 'b@x.test', name: 'Bob', visits: 2 },
        ],
      },
      credentials,
    });
    expect(out).toMatchObject({
      rowCount: 2,
      rows: [
        { email: 'a@x.test', visits: 0 },
        { email: 'b@x.test', visits: 2 },
      ],
    });
  });

  it('upserts idempotently', async () => {
    const input = { table: 'public.customers', rows: [{ email: 'a@x.test', name: 'Ann B.', visits: 5 }], conflictColumns: ['email'] };
    await runAction(postgresConnector, 'upsert', { input, credentials });
    await runAction(postgresConnector, 'upsert', { input, credentials });
    const out = await runAction(postgresConnector, 'query', { input: { sql: 'SELECT name, visits FROM customers WHERE email = $1', params: ['a@x.test'] }, credentials });
    expect(out).toEqual({ rows: [{ name: 'Ann B.', visits: 5 }], rowCount: 1 });
  });

  it('passes hostile strings as values, never as SQL', async () => {
    const hostile = "x'); DROP TABLE customers; --";
    await runAction(postgresConnector, 'insert', { input: { table: 'customers', rows: [{ email: hostile, name: hostile }] }, credentials });
    const out = (await runAction(postgresConnector, 'query', { input: { sql: 'SELECT count(*)::int AS n FROM customers' }, credentials })) as { rows: { n: number }[] };
    expect(out.rows[0].n).toBe(3);
  });

  it('refuses identifiers that are not plain names', async () => {
    expect(() => quoteIdent('customers; DROP TABLE x')).toThrow(FatalError);
    await expect(runAction(postgresConnector, 'insert', { input: { table: 'customers"--', rows: [{ email: 'z' }] }, credentials })).rejects.toBeInstanceOf(FatalError);
  });

  it('fails a constraint violation as fatal and an unreachable server as retryable', async () => {
    await expect(runAction(postgresConnector, 'insert', { input: { table: 'customers', rows: [{ email: 'b@x.test', name: 'dup' }] }, credentials })).rejects.toBeInstanceOf(
      FatalError,
    );
    const down = { kind: 'custom' as const, fields: { connectionString: 'postgres://postgres@127.0.0.1:1/none' } };
    await expect(runAction(postgresConnector, 'query', { input: { sql: 'SELECT 1' }, credentials: down })).rejects.toBeInstanceOf(RetryableError);
  });
});
