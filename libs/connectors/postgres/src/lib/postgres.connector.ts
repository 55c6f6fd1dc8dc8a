import { Client, type ClientConfig } from 'pg';
import { FatalError, RetryableError, Type, defineAction, defineConnector, type Credentials } from '@junction/connector-sdk';

const ConnectionFields = Type.Object(
  { connectionString: Type.String({ pattern: '^postgres(ql)?://' }), statementTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })) },
  { additionalProperties: false },
);

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** `schema.table` or `table`, each part a plain identifier, quoted so case and keywords survive. */
export function quoteIdent(name: string): string {
  const parts = name.split('.');
  if (parts.length > 2 || !parts.every((p) => IDENT.test(p))) throw new FatalError(`"${name}" is not a plain identifier`);
  return parts.map((p) => `"${p}"`).join('.');
}

function config(credentials: Credentials): ClientConfig {
  if (credentials.kind !== 'custom' || typeof credentials.fields.connectionString !== 'string') {
    throw new FatalError('the postgres connector needs a connection with a connectionString');
  }
  const timeout = Number(credentials.fields.statementTimeoutMs ?? 30_000);
  return { connectionString: credentials.fields.connectionString, statement_timeout: timeout, connectionTimeoutMillis: 5000 };
}

// Connection-level failures are worth retrying; SQL errors (syntax, constraint) are not.
const RETRYABLE_SQLSTATE = /^(08|53|57P0|40001|40P01)/;

async function withClient<T>(credentials: Credentials, signal: AbortSignal, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(config(credentials));
  const abort = () => void client.end().catch(() => undefined);
  signal.addEventListener('abort', abort, { once: true });
  try {
    await client.connect();
    return await fn(client);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const sqlState = code && /^[0-9A-Z]{5}$/.test(code) ? code : undefined; // node errors (ECONNREFUSED) are not SQL states
    if (sqlState && !RETRYABLE_SQLSTATE.test(sqlState)) throw new FatalError(`postgres error ${code}: ${(error as Error).message}`);
    if (error instanceof FatalError) throw error;
    throw new RetryableError(`postgres unavailable${code ? ` (${code})` : ''}: ${(error as Error).message}`);
  } finally {
    signal.removeEventListener('abort', abort);
    await client.end().catch(() => undefined);
  }
}

const Rows = Type.Object({ rows: Type.Array(Type.Record(Type.String(), Type.Unknown())), rowCount: Type.Integer() });
const Row = Type.Record(Type.String(), Type.Unknown(), { minProperties: 1 });

export const query = defineAction({
  key: 'query',
  displayName: 'Run a query',
  description: 'A parameterised statement: values only through $1, $2, … never spliced into the SQL.',
  input: Type.Object(
    { sql: Type.String({ minLength: 1, maxLength: 100_000 }), params: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 1000 })) },
    { additionalProperties: false },
  ),
  output: Rows,
  async run(ctx) {
    return withClient(ctx.credentials, ctx.signal, async (client) => {
      const res = await client.query(ctx.input.sql, ctx.input.params ?? []);
      return { rows: res.rows as Record<string, unknown>[], rowCount: res.rowCount ?? 0 };
    });
  },
});

function insertSql(table: string, rows: Record<string, unknown>[]): { sql: string; params: unknown[]; columns: string[] } {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const params: unknown[] = [];
  // a column one row leaves out takes its DEFAULT, not NULL
  const values = rows.map((row) => `(${columns.map((c) => (Object.hasOwn(row, c) ? (params.push(row[c]), `$${params.length}`) : 'DEFAULT')).join(', ')})`);
  return { sql: `INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) VALUES ${values.join(', ')}`, params, columns };
}

export const insert = defineAction({
  key: 'insert',
  displayName: 'Insert rows',
  input: Type.Object({ table: Type.String(), rows: Type.Array(Row, { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false }),
  output: Rows,
  async run(ctx) {
    const { sql, params } = insertSql(ctx.input.table, ctx.input.rows);
    return withClient(ctx.credentials, ctx.signal, async (client) => {
      const res = await client.query(`${sql} RETURNING *`, params);
      return { rows: res.rows as Record<string, unknown>[], rowCount: res.rowCount ?? 0 };
    });
  },
});

export const upsert = defineAction({
  key: 'upsert',
  displayName: 'Insert or update rows',
  description: 'INSERT … ON CONFLICT (keys) DO UPDATE: running it twice leaves the same rows (safe to retry).',
  input: Type.Object(
    { table: Type.String(), rows: Type.Array(Row, { minItems: 1, maxItems: 1000 }), conflictColumns: Type.Array(Type.String(), { minItems: 1 }) },
    { additionalProperties: false },
  ),
  output: Rows,
  async run(ctx) {
    const { sql, params, columns } = insertSql(ctx.input.table, ctx.input.rows);
    const keys = ctx.input.conflictColumns.map(quoteIdent);
    const updates = columns.filter((c) => !ctx.input.conflictColumns.includes(c)).map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`);
    const action = updates.length ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING';
    return withClient(ctx.credentials, ctx.signal, async (client) => {
      const res = await client.query(`${sql} ON CONFLICT (${keys.join(', ')}) ${action} RETURNING *`, params);
      return { rows: res.rows as Record<string, unknown>[], rowCount: res.rowCount ?? 0 };
    });
  },
});

export const postgresConnector = defineConnector({
  key: 'postgres',
  version: '1.0.0',
  displayName: 'PostgreSQL',
  description: 'Query, insert and upsert against an external Postgres database.',
  auth: [{ kind: 'custom', fields: ConnectionFields }],
  actions: [query, insert, upsert],
  triggers: [],
  async test(ctx) {
    await withClient(ctx.credentials, ctx.signal, (client) => client.query('SELECT 1'));
  },
});
