const SECRET_KEY = /(secret|password|passwd|token|api[_-]?key|authorization|credential|private[_-]?key|client[_-]?secret|cookie)/i;

/**
 * Copies a change set with every value under a secret-looking key replaced by `[redacted]`, at
 * any depth. Audit rows are kept for years and exported: no secret may ever reach them.
 */
export function redactChanges(changes: unknown, depth = 0): unknown {
  if (depth > 16) return '[truncated]';
  if (Array.isArray(changes)) return changes.map((v) => redactChanges(v, depth + 1));
  if (changes === null || typeof changes !== 'object') return changes;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(changes)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    out[key] = SECRET_KEY.test(key) ? '[redacted]' : redactChanges(value, depth + 1);
  }
  return out;
}
