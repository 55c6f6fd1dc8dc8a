// A step's error as the executor records it: { kind, message, retryAfterMs?, details?: { status, responseBody } }.

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** How long the step waited and why: `circuit_open` is the breaker's; a retryAfterMs otherwise is the third party's Retry-After. */
export function stepWait(error: unknown): { circuit: boolean; retryAfterMs?: number } {
  const e = record(error);
  const retryAfterMs = typeof e?.['retryAfterMs'] === 'number' ? e['retryAfterMs'] : undefined;
  return { circuit: e?.['kind'] === 'circuit_open', ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

/** The third party's answer to a failed call (already scrubbed of secrets by the connectors service), if the error carries one. */
export function thirdPartyResponse(error: unknown): { status?: number; body: unknown } | undefined {
  const details = record(record(error)?.['details']);
  if (!details || (details['status'] === undefined && details['responseBody'] === undefined)) return undefined;
  return { ...(typeof details['status'] === 'number' ? { status: details['status'] } : {}), body: details['responseBody'] ?? null };
}

/** What the server puts in place of a secret or a field a connector marks sensitive. */
export const REDACTED = '[redacted]';

/** Counts the redacted values inside a JSON value. */
export function redactedCount(value: unknown): number {
  if (value === REDACTED) return 1;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + redactedCount(v), 0);
  if (value !== null && typeof value === 'object') return Object.values(value).reduce((n: number, v) => n + redactedCount(v), 0);
  return 0;
}
