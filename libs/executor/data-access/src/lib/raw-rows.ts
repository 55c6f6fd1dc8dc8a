// snake_case column → camelCase field, computed once per column name: the claim maps ~25 columns of
// every claimed job, and a regex replace per key per row was ~2% of the executor's busy time (#19)
const camelKeys = new Map<string, string>();

function camelKey(key: string): string {
  let camel = camelKeys.get(key);
  if (camel === undefined) {
    camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    // column names are the schema's, a bounded set; the bound only guards against an unexpected source
    if (camelKeys.size < 10_000) camelKeys.set(key, camel);
  }
  return camel;
}

/** Raw `RETURNING *` / SELECT rows come back snake_cased; entities are camelCased. */
export function camelRow<T>(raw: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const key in raw) if (Object.hasOwn(raw, key)) out[camelKey(key)] = raw[key];
  return out as T;
}

export function camelRows<T>(raw: unknown): T[] {
  // pg returns [rows, count] for UPDATE … RETURNING through TypeORM's query()
  const rows = Array.isArray(raw) && raw.length === 2 && Array.isArray(raw[0]) && typeof raw[1] === 'number' ? raw[0] : raw;
  return (rows as Record<string, unknown>[]).map((r) => camelRow<T>(r));
}

/**
 * The columns of a step row as readers get them (alias `s` for job_steps): an input stored with
 * references into the job's trigger (`input_ref`, #19 stored once) comes back whole, as written.
 */
export const STEP_COLUMNS = `s.job_id, s.seq, s.step_id, s.step_key, s.kind, s.status, s.attempt, s.attempt_group,
       CASE WHEN s.input_ref IS NULL THEN s.input ELSE job_step_input(s.input, s.input_ref, (SELECT j.trigger FROM jobs j WHERE j.id = s.job_id)) END AS input,
       s.output, s.error, s.started_at, s.finished_at`;
