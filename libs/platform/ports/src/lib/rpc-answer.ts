import type { RpcContract } from './contracts';
import { DeadlineExceededError, RemoteError, isServerUnavailable, type RemoteErrorCode } from './errors';
import type { IncomingMeta } from './ports';
import { InvalidMessageError, ensureValid, validatePayload, type FieldError } from './validation';

/** What a request's handler answers across the bus: the data, or a typed error. */
export type ReplyEnvelope = { ok: true; data: unknown } | { ok: false; error: { code: RemoteErrorCode; message: string; errors?: FieldError[] } };

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
 * validates the request, runs the handler, validates its answer, and turns every failure into
 * the envelope the caller maps back to a `RemoteError`.
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
    const payload = validatePayload(contract.request, await read(), `${contract.subject} request`);
    const result = await handler(payload, meta);
    hooks.outage.up();
    try {
      envelope = { ok: true, data: ensureValid(contract.response, result, `${contract.subject} response`) };
    } catch (invalid) {
      // our own answer breaks the contract: a bug here, not the caller's fault
      hooks.logger.error({ err: invalid, subject: contract.subject }, 'handler answered with an invalid response');
      envelope = { ok: false, error: INTERNAL };
    }
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
