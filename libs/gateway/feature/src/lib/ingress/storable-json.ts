/**
 * Where `value` holds a NUL character (U+0000), in a string or a key, as a dotted path; undefined
 * when it has none. Postgres refuses NUL in jsonb and text, so an event carrying one could be
 * accepted but never become a job: ingress refuses it instead (nothing stored).
 */
export function nulPath(value: unknown, path = '', depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path || '(root)' : undefined;
  if (value === null || typeof value !== 'object' || depth > 64) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    if (key.includes('\u0000')) return here;
    const found = nulPath(item, here, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Cheap pre-check on a raw body, without copying it: can it decode to a NUL at all (raw, JSON-escaped or form-encoded)? */
export function mayHoldNul(raw: Buffer): boolean {
  return raw.includes(0) || raw.includes('\\u0000') || raw.includes('%00');
}
