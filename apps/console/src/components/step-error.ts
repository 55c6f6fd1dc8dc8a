// A step's error as the executor records it: { kind, message, retryAfterMs?, details?: { status, responseBody } }.

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

const WAIT_REASONS: Record<string, string> = {
  circuit_open: 'Circuit open',
  rate_limited: 'Rate limited (Retry-After)',
  throttled: 'Throttled by the connection’s rate limit',
};

/**
 * Why a retrying or deferred record waited: the error's kind says (an open circuit, the third
 * party's Retry-After, the connection's own limit; else a retry backoff). The record does not keep
 * the delay: `waitedMs` is the gap to the step's next attempt, when there is one.
 */
export function stepWait(error: unknown, finishedAt?: string, nextStartedAt?: string): { reason: string; waitedMs?: number; askedMs?: number } {
  const kind = record(error)?.['kind'];
  const reason = (typeof kind === 'string' ? WAIT_REASONS[kind] : undefined) ?? 'Retry backoff';
  const waitedMs = finishedAt && nextStartedAt ? Date.parse(nextStartedAt) - Date.parse(finishedAt) : undefined;
  // what the third party asked for (its Retry-After), as the executor recorded it
  const asked = record(error)?.['retryAfterMs'];
  return {
    reason,
    ...(waitedMs !== undefined && Number.isFinite(waitedMs) && waitedMs >= 0 ? { waitedMs } : {}),
    ...(typeof asked === 'number' && Number.isFinite(asked) && asked >= 0 ? { askedMs: asked } : {}),
  };
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
