import { Client } from 'pg';
import { withEmbeddedTestDatabase } from './embedded-test-database';

describe('withEmbeddedTestDatabase', () => {
  const db = withEmbeddedTestDatabase();

  it('gives this file a Postgres of its own, and fresh databases on it', async () => {
    expect(new URL(db.url).port).not.toBe('5432');
    const url = await db.freshDatabase('spec');
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('CREATE TABLE t (n int)');
      await client.query('INSERT INTO t VALUES (1), (2)');
      expect((await client.query<{ sum: string }>('SELECT sum(n) FROM t')).rows).toEqual([{ sum: '3' }]);
    } finally {
      await client.end();
    }
  });
});
