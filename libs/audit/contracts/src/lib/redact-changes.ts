const SECRET_KEY = /(secret|password|passwd|token|api[_-]?key|authorization|credential|private[_-]?key|client[_-]?secret|cookie)/i;
const DROPPED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * A change set with every value under a secret-looking key replaced by `[redacted]`, at any
 * depth. Audit rows are kept for years and exported: no secret may ever reach them. Copies only
 * what it changes: a subtree with nothing to redact is returned as is (a 10 MB step input is not
 * duplicated to find it clean), so callers must not mutate the result.
 */
export function redactChanges(changes: unknown, depth = 0): unknown {
  if (changes === null || typeof changes !== 'object') return changes;
  if (depth > 16) return '[truncated]';
  if (Array.isArray(changes)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < changes.length; i++) {
      const value: unknown = changes[i];
      const clean = redactChanges(value, depth + 1);
      if (clean !== value && !out) out = changes.slice(0, i);
      out?.push(clean);
    }
    return out ?? changes;
  }
  const source = changes as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  const keys = Object.keys(source);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const value = source[key];
    const dropped = DROPPED_KEYS.has(key);
    const clean = dropped ? undefined : SECRET_KEY.test(key) ? '[redacted]' : redactChanges(value, depth + 1);
    if ((dropped || clean !== value) && !out) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]] = source[keys[j]];
    }
    if (out && !dropped) out[key] = clean;
  }
  return out ?? changes;
}
