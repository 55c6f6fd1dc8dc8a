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
  override readonly name = 'DeadlineExceededError';
  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
    readonly noResponders = false,
  ) {
    super(noResponders ? `no service answers ${subject}` : `${subject} did not answer within ${timeoutMs} ms`);
  }
}
