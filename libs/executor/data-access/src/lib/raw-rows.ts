/** Raw `RETURNING *` / SELECT rows come back snake_cased; entities are camelCased. */
export function camelRow<T>(raw: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) out[key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = value;
  return out as T;
}

export function camelRows<T>(raw: unknown): T[] {
  // pg returns [rows, count] for UPDATE … RETURNING through TypeORM's query()
  const rows = Array.isArray(raw) && raw.length === 2 && Array.isArray(raw[0]) && typeof raw[1] === 'number' ? raw[0] : raw;
  return (rows as Record<string, unknown>[]).map((r) => camelRow<T>(r));
}
