import { Client, type ClientConfig } from 'pg';
import {
  BlockedAddressError,
  FatalError,
  FenceRefusal,
  RetryableError,
  Type,
  canonicalHost,
  defineAction,
  defineConnector,
  type Credentials,
  type TcpConnector,
} from '@junction/connector-sdk';

const SSL_MODES = ['disable', 'no-verify', 'require', 'verify-ca', 'verify-full'] as const;
type SslMode = (typeof SSL_MODES)[number];

/**
 * A connection is either one `postgres://` URL or separate fields; every value is a string (as
 * stored by the vault). Nothing else is accepted: no Unix sockets, no `host=`/`hostaddr=`
 * overrides, no file options (`sslcert`, `sslkey`, `sslrootcert`, `passfile`, `service`), no
 * `options`. A CA certificate is given as PEM text, never as a path.
 */
const ConnectionFields = Type.Object(
  {
    connectionString: Type.Optional(
      Type.String({ pattern: '^postgres(ql)?://', maxLength: 4000, writeOnly: true, description: 'postgres://user:password@host:port/database (instead of the fields)' }),
    ),
    host: Type.Optional(Type.String({ maxLength: 255 })),
    port: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
    database: Type.Optional(Type.String({ maxLength: 63 })),
    user: Type.Optional(Type.String({ maxLength: 63 })),
    password: Type.Optional(Type.String({ maxLength: 1000, writeOnly: true })),
    sslmode: Type.Optional(Type.Union(SSL_MODES.map((m) => Type.Literal(m)))),
    applicationName: Type.Optional(Type.String({ maxLength: 63 })),
    caCertificate: Type.Optional(Type.String({ pattern: '^-----BEGIN CERTIFICATE-----', maxLength: 100_000 })),
    statementTimeoutMs: Type.Optional(Type.String({ pattern: '^[0-9]{3,6}$' })),
  },
  { additionalProperties: false },
);

/** What the connector hands to `pg`: only these, built here, never a string `pg` would parse itself. */
export interface PostgresTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  sslmode: SslMode;
  applicationName?: string;
  caCertificate?: string;
  statementTimeoutMs: number;
}

const FIELDS = new Set(['connectionString', 'host', 'port', 'database', 'user', 'password', 'sslmode', 'applicationName', 'caCertificate', 'statementTimeoutMs']);
const URL_PARAMS: Record<string, keyof PostgresTarget> = { sslmode: 'sslmode', application_name: 'applicationName' };
const NAME = /^[^\0]{1,63}$/;

function refuse(why: string): never {
  throw new FatalError(`postgres connection: ${why}`);
}

function decoded(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return refuse(`the ${what} is not valid percent-encoding`);
  }
}

/** Reads the URL form into plain fields, refusing every parameter but `sslmode` and `application_name`. */
function fromUrl(text: string): Record<string, string> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse('connectionString is not a valid postgres:// URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') refuse('connectionString must start with postgres:// or postgresql://');
  if (url.hash) refuse('connectionString must not have a #fragment');
  const out: Record<string, string> = { host: url.hostname };
  if (url.port) out.port = url.port;
  const database = decoded(url.pathname.replace(/^\//, ''), 'database name');
  if (database) out.database = database;
  if (url.username) out.user = decoded(url.username, 'user name');
  if (url.password) out.password = decoded(url.password, 'password');
  for (const [key, value] of url.searchParams) {
    const field = URL_PARAMS[key];
    if (!field) refuse(`option "${key}" is not allowed (allowed: ${Object.keys(URL_PARAMS).join(', ')})`);
    if (out[field] !== undefined) refuse(`option "${key}" is given twice`);
    out[field] = value;
  }
  return out;
}

/**
 * The connection's fields as an allow-listed structure. Throws a FatalError naming the first
 * field or option that is not allowed (a retry would not change it).
 */
export function parseConnection(fields: Record<string, unknown>): PostgresTarget {
  for (const [key, value] of Object.entries(fields)) {
    if (!FIELDS.has(key)) refuse(`field "${key}" is not allowed (allowed: ${[...FIELDS].join(', ')})`);
    if (typeof value !== 'string') refuse(`field "${key}" must be a string`);
  }
  const given = fields as Record<string, string | undefined>;
  const { connectionString, statementTimeoutMs, ...separate } = given;
  let f: Record<string, string | undefined> = separate;
  if (connectionString !== undefined) {
    const mixed = Object.keys(separate).filter((k) => k !== 'password' && k !== 'caCertificate');
    if (mixed.length) refuse(`give either connectionString or separate fields, not both (${mixed.join(', ')})`);
    f = { ...fromUrl(connectionString), ...(separate.password !== undefined ? { password: separate.password } : {}), caCertificate: separate.caCertificate };
  }
  const rawHost = f.host ?? '';
  if (!rawHost) refuse('a host is required (Unix sockets are not allowed)');
  let host: string;
  try {
    host = canonicalHost(rawHost);
  } catch (error) {
    return refuse((error as Error).message);
  }
  const port = f.port === undefined ? 5432 : Number(f.port);
  if (!/^[0-9]{1,5}$/.test(f.port ?? '5432') || port < 1 || port > 65535) refuse(`port "${f.port}" is not 1-65535`);
  const user = f.user ?? '';
  if (!NAME.test(user)) refuse('a user name (1-63 characters) is required');
  const database = f.database ?? user;
  if (!NAME.test(database)) refuse('the database name must be 1-63 characters');
  const sslmode = (f.sslmode ?? 'disable') as SslMode;
  if (!SSL_MODES.includes(sslmode)) refuse(`sslmode "${f.sslmode}" is not one of ${SSL_MODES.join(', ')}`);
  if (f.applicationName !== undefined && !/^[\x20-\x7e]{0,63}$/.test(f.applicationName)) refuse('applicationName must be up to 63 printable ASCII characters');
  if (f.caCertificate !== undefined && !f.caCertificate.startsWith('-----BEGIN CERTIFICATE-----')) refuse('caCertificate must be PEM text (a path is not allowed)');
  const timeout = statementTimeoutMs === undefined ? 30_000 : Number(statementTimeoutMs);
  if (!Number.isInteger(timeout) || timeout < 100 || timeout > 600_000) refuse('statementTimeoutMs must be 100-600000');
  return {
    host,
    port,
    database,
    user,
    password: f.password ?? '',
    sslmode,
    ...(f.applicationName !== undefined ? { applicationName: f.applicationName } : {}),
    ...(f.caCertificate !== undefined ? { caCertificate: f.caCertificate } : {}),
    statementTimeoutMs: timeout,
  };
}

function tlsOptions(target: PostgresTarget): ClientConfig['ssl'] {
  switch (target.sslmode) {
    case 'disable':
      return false;
    case 'no-verify':
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined, ...(target.caCertificate ? { ca: target.caCertificate } : {}) };
    case 'verify-full':
      return { rejectUnauthorized: true, ...(target.caCertificate ? { ca: target.caCertificate } : {}) };
  }
}

/**
 * Every value `pg` would otherwise take from the connectors service's own environment (PGUSER,
 * PGPASSWORD, PGSSLMODE, ~/.pgpass…) is set here; the password is a function so an empty one
 * is sent as empty instead of falling back to PGPASSWORD or the pgpass file.
 */
function clientConfig(target: PostgresTarget, tcp: TcpConnector): ClientConfig {
  return {
    host: target.host,
    port: target.port,
    user: target.user,
    database: target.database,
    password: () => target.password,
    ssl: tlsOptions(target),
    application_name: target.applicationName ?? 'junction',
    statement_timeout: target.statementTimeoutMs,
    connectionTimeoutMillis: 5000,
    // the driver connects this socket itself, to the address the fence checked (TLS is layered on top by pg)
    stream: () => tcp.socket(),
  } as ClientConfig;
}

function config(credentials: Credentials, tcp: TcpConnector): ClientConfig {
  if (credentials.kind !== 'custom') throw new FatalError('the postgres connector needs a connection with a connectionString or host/user fields');
  return clientConfig(parseConnection(credentials.fields), tcp);
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** `schema.table` or `table`, each part a plain identifier, quoted so case and keywords survive. */
export function quoteIdent(name: string): string {
  const parts = name.split('.');
  if (parts.length > 2 || !parts.every((p) => IDENT.test(p))) throw new FatalError(`"${name}" is not a plain identifier`);
  return parts.map((p) => `"${p}"`).join('.');
}

// Connection-level failures are worth retrying; SQL errors (syntax, constraint) are not.
const RETRYABLE_SQLSTATE = /^(08|53|57P0|40001|40P01)/;

async function withClient<T>(ctx: { credentials: Credentials; signal: AbortSignal; tcp: TcpConnector }, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(config(ctx.credentials, ctx.tcp));
  const { signal } = ctx;
  const abort = () => void client.end().catch(() => undefined);
  signal.addEventListener('abort', abort, { once: true });
  try {
    await client.connect();
    return await fn(client);
  } catch (error) {
    if (error instanceof FenceRefusal) throw new BlockedAddressError(`postgres connection refused by the outbound fence: ${error.message}`);
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
  // arbitrary SQL may write
  idempotent: false,
  description: 'A parameterised statement: values only through $1, $2, … never spliced into the SQL.',
  input: Type.Object(
    { sql: Type.String({ minLength: 1, maxLength: 100_000 }), params: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 1000 })) },
    { additionalProperties: false },
  ),
  output: Rows,
  async run(ctx) {
    return withClient(ctx, async (client) => {
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
  // a repeat inserts the rows again
  idempotent: false,
  input: Type.Object({ table: Type.String(), rows: Type.Array(Row, { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false }),
  output: Rows,
  async run(ctx) {
    const { sql, params } = insertSql(ctx.input.table, ctx.input.rows);
    return withClient(ctx, async (client) => {
      const res = await client.query(`${sql} RETURNING *`, params);
      return { rows: res.rows as Record<string, unknown>[], rowCount: res.rowCount ?? 0 };
    });
  },
});

export const upsert = defineAction({
  key: 'upsert',
  displayName: 'Insert or update rows',
  // a repeat writes the same rows
  idempotent: true,
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
    return withClient(ctx, async (client) => {
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
    await withClient(ctx, (client) => client.query('SELECT 1'));
  },
});
