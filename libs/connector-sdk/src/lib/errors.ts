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

/** 429, a 403 with the quota spent, or a local rate limit: retry no earlier than `retryAfterMs` from now. */
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

/** 401/403 (other than a spent quota) or rejected credentials: the connection needs fixing, not a retry. */
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
 * Longest wait a provider's rate-limit signal can impose, ms. A far-future reset or a garbled
 * header waits this long and tries again (the job's deadline still bounds the whole); it also keeps
 * the delay a finite number whatever digits the header holds.
 */
export const MAX_RATE_LIMIT_WAIT_MS = 24 * 60 * 60 * 1000;

/** Backoff when a rate limit comes without a usable Retry-After or reset header, ms. */
const DEFAULT_RATE_LIMIT_BACKOFF_MS = 1000;
/** Backoff for a 403 whose quota is spent but whose reset is unreadable: GitHub asks for at least a minute. */
const EXHAUSTED_QUOTA_BACKOFF_MS = 60_000;
/** A provider's `Date` further than this from ours is not trusted to correct for clock skew. */
const MAX_TRUSTED_SKEW_MS = 15 * 60 * 1000;
/** Reset values from this on are epoch seconds (2001 onwards); smaller ones are seconds from now. */
const EPOCH_SECONDS_FROM = 1_000_000_000;

type Headers = Record<string, string | string[] | undefined>;

function first(value: string | string[] | undefined): string | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  return raw?.trim() || undefined;
}

const clampWait = (ms: number) => Math.min(MAX_RATE_LIMIT_WAIT_MS, Math.max(0, ms));

/**
 * `Retry-After` as ms from `now`: delta-seconds or an HTTP date. Unparseable values give undefined
 * (the caller falls back to its own backoff); the result is at most `MAX_RATE_LIMIT_WAIT_MS`.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const trimmed = first(value);
  if (!trimmed) return undefined;
  if (/^\d+$/.test(trimmed)) return clampWait(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return clampWait(date - now);
}

/**
 * When a provider's quota window resets, as ms from `now`, from `X-RateLimit-Reset` or
 * `RateLimit-Reset`: epoch seconds (GitHub, most `X-` APIs) or seconds from now (the IETF draft),
 * told apart by size. An epoch is measured against the provider's own `Date` when that is close to
 * ours, so a skewed clock on either side does not retry early.
 */
export function parseRateLimitReset(headers: Headers, now = Date.now()): number | undefined {
  const raw = first(headers['x-ratelimit-reset']) ?? first(headers['ratelimit-reset']);
  if (!raw || !/^\d+(\.\d+)?$/.test(raw)) return undefined;
  const value = Number(raw);
  if (value < EPOCH_SECONDS_FROM) return clampWait(Math.ceil(value * 1000));
  const theirs = Date.parse(first(headers['date']) ?? '');
  const reference = !Number.isNaN(theirs) && Math.abs(theirs - now) <= MAX_TRUSTED_SKEW_MS ? theirs : now;
  return clampWait(Math.ceil(value * 1000 - reference));
}

/** The provider says the quota is spent (`X-RateLimit-Remaining: 0` or `RateLimit-Remaining: 0`). */
export function rateLimitExhausted(headers: Headers): boolean {
  const remaining = first(headers['x-ratelimit-remaining']) ?? first(headers['ratelimit-remaining']);
  return remaining !== undefined && /^0+$/.test(remaining);
}

/** How long a rate-limited answer asks to wait: `Retry-After` first, then the quota's reset. */
export function rateLimitWaitMs(headers: Headers, now = Date.now()): number | undefined {
  return parseRetryAfter(headers['retry-after'], now) ?? parseRateLimitReset(headers, now);
}

/**
 * The one mapping from an HTTP answer to an error kind (undefined for 1xx–3xx, which are not errors).
 * A 403 with the quota spent is a rate limit, not a refusal of the credentials: GitHub and others
 * answer their primary limit that way.
 */
export function errorFromResponse(status: number, headers: Headers, body: unknown, what = 'request'): ConnectorError | undefined {
  if (status < 400) return undefined;
  const message = `${what} failed with HTTP ${status}`;
  if (status === 429) return new RateLimitedError(rateLimitWaitMs(headers) ?? DEFAULT_RATE_LIMIT_BACKOFF_MS, message, status, body);
  if (status === 403 && rateLimitExhausted(headers)) {
    return new RateLimitedError(rateLimitWaitMs(headers) ?? EXHAUSTED_QUOTA_BACKOFF_MS, `${message} (rate limit exhausted)`, status, body);
  }
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
