import type { RpcContract } from './contracts';
import { DeadlineExceededError, RemoteError, isServerUnavailable, type RemoteErrorCode } from './errors';
import type { IncomingMeta } from './ports';
import { InvalidMessageError, validatePayload, type FieldError } from './validation';

/**
 * What a request's handler answers across the bus: the data, or a typed error. `refused: 'request'`
 * marks the receiver's own check of the request (not a handler's `invalid_request`): the caller
 * throws it as the `InvalidMessageError` its own check used to throw before sending.
 */
export type ReplyEnvelope = { ok: true; data: unknown } | { ok: false; error: { code: RemoteErrorCode; message: string; errors?: FieldError[]; refused?: 'request' } };

/** What a bus adapter lends `answerRequest`: its log, and the outage log of the servers its handlers need. */
export interface AnswerHooks {
  readonly logger: { error(fields: object, message: string): void };
  /** One line when the servers a handler needs go away, one when they are back (see OutageLog). */
  readonly outage: { up(): void; down(error?: unknown): void };
}

export interface Answer {
  envelope: ReplyEnvelope;
  /** The server-side metric label: ok, error (internal) or the error's code. */
  outcome: string;
}

const INTERNAL = { code: 'internal', message: 'the service failed to handle the request' } as const;
const UNAVAILABLE = { code: 'unavailable', message: 'a server this service needs is unavailable; try again' } as const;

/**
 * The server side of request/reply, shared by every bus adapter so they answer alike: reads and
 * validates the request, runs the handler, and turns every failure into the envelope the caller
 * maps back to an error (`replyError`). Each side checks only what it receives (#19: one
 * validation per trust boundary): the request here, the answer in the caller (`readAnswer`).
 */
export async function answerRequest<Req extends object, Res extends object>(
  contract: RpcContract<Req, Res>,
  read: () => unknown,
  handler: (payload: Req, meta: IncomingMeta) => Promise<Res>,
  meta: IncomingMeta,
  hooks: AnswerHooks,
): Promise<Answer> {
  let envelope: ReplyEnvelope;
  try {
    const plain = await read();
    let payload: Req;
    try {
      payload = validatePayload(contract.request, plain, `${contract.subject} request`);
    } catch (invalid) {
      if (!(invalid instanceof InvalidMessageError)) throw invalid;
      return { envelope: { ok: false, error: { code: 'invalid_request', message: invalid.message, errors: invalid.errors, refused: 'request' } }, outcome: 'invalid_request' };
    }
    envelope = { ok: true, data: await handler(payload, meta) };
    hooks.outage.up();
  } catch (error) {
    if (isServerUnavailable(error) || error instanceof DeadlineExceededError) {
      // the database, Redis, NATS or a service this handler called is away: the caller may try again, and the
      // outage is logged once, not per request
      hooks.outage.down(error);
      envelope = { ok: false, error: UNAVAILABLE };
    } else envelope = { ok: false, error: toRemoteError(error) };
    if (envelope.error.code === 'internal') hooks.logger.error({ err: error, subject: contract.subject }, 'request handler failed');
  }
  return { envelope, outcome: envelope.ok ? 'ok' : envelope.error.code === 'internal' ? 'error' : envelope.error.code };
}

function toRemoteError(error: unknown): { code: RemoteErrorCode; message: string; errors?: FieldError[] } {
  if (error instanceof RemoteError) return { code: error.code, message: error.message, errors: error.errors };
  if (error instanceof InvalidMessageError) return { code: 'invalid_request', message: error.message, errors: error.errors };
  if (error instanceof SyntaxError) return { code: 'invalid_request', message: 'payload is not valid JSON' };
  // Internal details stay in this service's log; the caller learns only that it failed.
  return INTERNAL;
}

/**
 * The caller's error for a failed answer: the receiver's refusal of the request as the
 * `InvalidMessageError` (same message and fields) the sender's own check threw before #19, any
 * other failure as the `RemoteError` it names.
 */
export function replyError(subject: string, error: Extract<ReplyEnvelope, { ok: false }>['error']): Error {
  if (error.refused === 'request' && error.code === 'invalid_request' && Array.isArray(error.errors)) return new InvalidMessageError(`${subject} request`, error.errors);
  return new RemoteError(error.code, error.message, error.errors);
}

/**
 * The caller's check of an answer, its trust boundary for what comes back. An answer that breaks
 * the contract is the answering service's bug (or a version skew), never the caller's: logged with
 * its fields and thrown as the same `internal` RemoteError a failed handler gives (a 502 at the
 * gateway, a retry for a consumer), not as an invalid message of the caller's own.
 */
export function readAnswer<Res extends object>(contract: RpcContract<object, Res>, data: unknown, logger: AnswerHooks['logger']): Res {
  try {
    return validatePayload(contract.response, data, `${contract.subject} response`);
  } catch (invalid) {
    if (!(invalid instanceof InvalidMessageError)) throw invalid;
    logger.error({ err: invalid, subject: contract.subject }, 'a service answered with an invalid response');
    throw new InvalidAnswerError(INTERNAL.message);
  }
}

/** An answer the caller refused (see `readAnswer`): an `internal` RemoteError, told apart only for the caller's metrics. */
export class InvalidAnswerError extends RemoteError {
  constructor(message: string) {
    super('internal', message);
  }
}
