import type { Pool as PgPool } from 'pg';
import type { DataSource } from 'typeorm';

/** The `pg` pool under a TypeORM data source: the batchers send their named statements through it. */
export function poolOf(source: DataSource): PgPool {
  return (source.driver as unknown as { master: PgPool }).master;
}

/**
 * Counts the statements named `name` that go through `source`'s pool while `run` runs. The real
 * pool answers them: it is only observed, through its own `query`, restored afterwards.
 */
export async function countNamedStatements<T>(source: DataSource, name: string, run: () => Promise<T>): Promise<{ result: T; sent: number }> {
  const pool = poolOf(source) as unknown as { query: (...args: unknown[]) => unknown };
  const original = pool.query;
  let sent = 0;
  pool.query = function (this: unknown, ...args: unknown[]) {
    const config = args[0] as { name?: string } | string | undefined;
    if (typeof config === 'object' && config?.name === name) sent++;
    return original.apply(this, args);
  };
  try {
    return { result: await run(), sent };
  } finally {
    // the method lives on Pool.prototype: removing the own property brings it back
    delete (pool as { query?: unknown }).query;
  }
}
