/**
 * Errors an action or trigger throws. The executor decides retries from their kind alone, so the
 * HTTP status → kind mapping lives in one place: `errorFromResponse`.
 */
export type ConnectorErrorKind = 'retryable' | 'rate_limited' | 'fatal' | 'auth' | 'circuit_open';

export abstract class ConnectorError extends Error {
  abstract readonly kind: ConnectorErrorKind;

  constructor(
    message: string,
    /** HTTP status of the third party's answer, when there was one. */
    readonly status?: number,
    /** The third party's response body (kept for the job's trace; secrets are redacted later). */
    readonly responseBody?: unknown,
  ) {
    super(message);
  }
}

/** Network errors, timeouts, 408, 5xx: worth another attempt after a backoff. */
export class RetryableError extends ConnectorError {
  readonly kind = 'retryable' as const;
  override readonly name: string = 'RetryableError';
}

/** 429 or a local rate limit: retry no earlier than `retryAfterMs` from now. */
export class RateLimitedError extends ConnectorError {
  readonly kind = 'rate_limited' as const;
  override readonly name: string = 'RateLimitedError';

  constructor(
    readonly retryAfterMs: number,
    message = `rate limited; retry after ${retryAfterMs} ms`,
    status?: number,
    responseBody?: unknown,
  ) {
    super(message, status, responseBody);
  }
}

/** A 4xx other than 401/403/408/429, or input the action cannot use: retrying cannot help. */
export class FatalError extends ConnectorError {
  readonly kind = 'fatal' as const;
  override readonly name: string = 'FatalError';
}

/** 401/403 or rejected credentials: the connection needs fixing, not a retry. */
export class AuthError extends ConnectorError {
  readonly kind = 'auth' as const;
  override readonly name: string = 'AuthError';
}

/** The host's circuit breaker is open: the step is deferred, not failed, and no attempt is counted. */
export class CircuitOpenError extends ConnectorError {
  readonly kind = 'circuit_open' as const;
  override readonly name: string = 'CircuitOpenError';

  constructor(
    readonly host: string,
    readonly retryAfterMs: number,
  ) {
    super(`circuit for ${host} is open; retry after ${retryAfterMs} ms`);
  }
}

/**
 * `Retry-After` as ms from `now`: delta-seconds or an HTTP date. Unparseable or negative values
 * give undefined (the caller falls back to its own backoff).
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  const trimmed = raw.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Backoff when a 429 comes without a usable Retry-After, ms. */
const DEFAULT_RATE_LIMIT_BACKOFF_MS = 1000;

/** The one mapping from an HTTP answer to an error kind (undefined for 1xx–3xx, which are not errors). */
export function errorFromResponse(status: number, headers: Record<string, string | string[] | undefined>, body: unknown, what = 'request'): ConnectorError | undefined {
  if (status < 400) return undefined;
  const message = `${what} failed with HTTP ${status}`;
  if (status === 429) return new RateLimitedError(parseRetryAfter(headers['retry-after']) ?? DEFAULT_RATE_LIMIT_BACKOFF_MS, message, status, body);
  if (status === 503 && headers['retry-after'] !== undefined) {
    const after = parseRetryAfter(headers['retry-after']);
    if (after !== undefined) return new RateLimitedError(after, message, status, body);
  }
  if (status === 408 || status >= 500) return new RetryableError(message, status, body);
  if (status === 401 || status === 403) return new AuthError(message, status, body);
  return new FatalError(message, status, body);
}

export function isConnectorError(error: unknown): error is ConnectorError {
  return error instanceof ConnectorError;
}
