import type { FieldError } from './validation';

/** Stable codes a remote handler can answer with; the gateway maps them to HTTP statuses. */
export type RemoteErrorCode =
  | 'invalid_request'
  /** Well-formed but semantically invalid (e.g. a recipe definition): HTTP 422 with `errors`. */
  | 'unprocessable'
  | 'not_found'
  | 'conflict'
  | 'forbidden'
  | 'unauthenticated'
  | 'unavailable'
  | 'internal';

/** Thrown by a handler to answer the caller with a typed error instead of a result. */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  constructor(
    readonly code: RemoteErrorCode,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
  }
}

/** The service behind a subject did not answer in time, or nobody listens on it. */
export class DeadlineExceededError extends Error {
  override readonly name: string = 'DeadlineExceededError';
  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
    readonly noResponders = false,
  ) {
    super(noResponders ? `no service answers ${subject}` : `${subject} did not answer within ${timeoutMs} ms`);
  }
}

/**
 * The connection to the bus dropped while the request was in flight, or was down when it was
 * made: the answer, if any, is lost. Retryable (the handler may or may not have run, so a retry
 * carries the same idempotency key); callers that treat a deadline as "try again" need nothing more.
 */
export class ConnectionLostError extends DeadlineExceededError {
  override readonly name: string = 'ConnectionLostError';
  constructor(subject: string, timeoutMs: number) {
    super(subject, timeoutMs);
    this.message = `the connection to the message bus was lost before ${subject} answered`;
  }
}

// Postgres SQLSTATEs of a server going away or refusing connections (class 08, 57P01-57P03)
const UNAVAILABLE_SQLSTATES = new Set(['08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03']);
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES =
  /connection terminated|connection is closed|connection ended|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|Connection is closed|Stream isn't writeable|enableOfflineQueue/i;

/**
 * Whether an error says a server this process depends on (Postgres, Redis, a socket) is
 * unreachable, rather than that the request itself is wrong: such a failure is a 503 to try
 * again, not a 5xx bug. Looks through TypeORM's `driverError` and an `AggregateError`'s members.
 */
export function isServerUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 3 || error === null || typeof error !== 'object') return false;
  const e = error as { code?: unknown; message?: unknown; driverError?: unknown; errors?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && (UNAVAILABLE_SQLSTATES.has(e.code) || UNAVAILABLE_ERRNOS.has(e.code))) return true;
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isServerUnavailable(inner, depth + 1))) return true;
  return isServerUnavailable(e.driverError, depth + 1) || isServerUnavailable(e.cause, depth + 1);
}
