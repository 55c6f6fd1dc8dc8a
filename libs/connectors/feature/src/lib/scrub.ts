/**
 * Copies `value` with every occurrence of a secret string replaced: a third party that echoes
 * the token back (many do, in errors) must not put it into the job's stored trace.
 */
export function scrubSecrets(value: unknown, secrets: string[], depth = 0): unknown {
  if (secrets.length === 0 || depth > 32) return value;
  if (typeof value === 'string') return secrets.reduce((s, secret) => s.split(secret).join('[redacted]'), value);
  if (Array.isArray(value)) return value.map((v) => scrubSecrets(v, secrets, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubSecrets(v, secrets, depth + 1)]));
  }
  return value;
}
