const REDACTED = '[redacted]';

/**
 * Copies `value` with every occurrence of a secret string replaced, in keys as in values: a third
 * party that echoes the token back (many do, in errors) must not put it into the job's stored
 * trace. `secrets` should hold every encoding the client sent (see `secretForms`); one pass with
 * the longest form first, so a short secret cannot match inside a marker or a longer form.
 */
export function scrubSecrets(value: unknown, secrets: string[]): unknown {
  const forms = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  if (forms.length === 0) return value;
  const pattern = new RegExp(forms.map(escapeRegExp).join('|'), 'g');
  return scrub(value, (s) => s.replace(pattern, REDACTED), 0);
}

function scrub(value: unknown, replace: (s: string) => string, depth: number): unknown {
  if (typeof value === 'string') return replace(value);
  // deeper than any answer we keep: dropped rather than passed through unscrubbed
  if (depth > 32) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => scrub(v, replace, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [replace(k), scrub(v, replace, depth + 1)]));
  }
  return value;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
