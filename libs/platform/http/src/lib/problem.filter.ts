import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject, Optional } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { STATUS_CODES } from 'node:http';
import { ConnectionLostError, DeadlineExceededError, InvalidMessageError, RemoteError, messageContext, traceIdOf, type RemoteErrorCode } from '@junction/platform/ports';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { PROBLEM_CONTENT_TYPE, ProblemException, problemType, type ProblemDocument } from './problem';

const REMOTE_STATUS: Record<RemoteErrorCode, number> = {
  invalid_request: 400,
  unprocessable: 422,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  internal: 502,
};

/** Field errors listed in one problem document; `errorCount` gives the total when there are more. */
export const MAX_LISTED_ERRORS = 100;

/** Body-parser errors carry a `type` and a status; map the ones a client can cause. */
const BODY_PARSER_PROBLEMS: Record<string, (limit?: number) => ProblemDocument> = {
  'entity.too.large': (limit) => ({
    type: problemType('payload-too-large'),
    title: 'Payload too large',
    status: 413,
    detail: `The request body exceeds the limit of ${limit} bytes.`,
  }),
  'entity.parse.failed': () => ({ type: problemType('malformed-body'), title: 'Malformed body', status: 400, detail: 'The request body is not valid JSON.' }),
  'encoding.unsupported': () => ({ type: problemType('unsupported-encoding'), title: 'Unsupported encoding', status: 415, detail: 'The request body encoding is not supported.' }),
  'charset.unsupported': () => ({ type: problemType('unsupported-encoding'), title: 'Unsupported encoding', status: 415, detail: 'The request body charset is not supported.' }),
  'request.aborted': () => ({ type: problemType('request-aborted'), title: 'Request aborted', status: 400 }),
  'encoding.invalid': () => ({ type: problemType('malformed-body'), title: 'Malformed body', status: 400, detail: 'The request body is not valid UTF-8, so it is not JSON.' }),
};

function bodyParserProblem(error: unknown): ProblemDocument | undefined {
  const e = error as { type?: unknown; limit?: number } | null;
  const make = typeof e?.type === 'string' && Object.hasOwn(BODY_PARSER_PROBLEMS, e.type) ? BODY_PARSER_PROBLEMS[e.type] : undefined;
  return make?.(e?.limit);
}

/**
 * Any other error the Express layer raises about the request itself (http-errors with a 4xx
 * status and `expose`: a body that does not decompress, a path Express cannot decode): the
 * client's fault, so a 4xx naming it, never a 500.
 */
function exposedClientError(error: unknown): ProblemDocument | undefined {
  const e = error as { status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown } | null;
  const status = typeof e?.status === 'number' ? e.status : e?.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 499 || e?.expose !== true) return undefined;
  const title = STATUS_CODES[status] ?? 'Bad request';
  // zlib and brotli errors carry an errno: the body is not in the Content-Encoding it claims
  const undecodable = typeof (error as { errno?: unknown }).errno === 'number';
  const detail = undecodable ? 'The request body does not decode with its Content-Encoding.' : typeof e?.message === 'string' ? e.message.slice(0, 200) : undefined;
  return { type: problemType(undecodable ? 'malformed-body' : title.toLowerCase().replace(/[^a-z]+/g, '-')), title, status, ...(detail ? { detail } : {}) };
}

/**
 * Every error leaves as `application/problem+json`. Internal details (stack, messages of
 * unexpected errors) go to the log, never to the client.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(@Optional() @Inject(ROOT_LOGGER) private readonly logger?: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    const req = http.getRequest<Request>();
    const { status, headers, body } = problemResponse(exception, req.method, req.originalUrl, this.logger);
    if (res.headersSent) return;
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.status(status).type(PROBLEM_CONTENT_TYPE).send(body);
  }
}

/**
 * The whole error response of a request (status, headers, problem+json body with `instance` and
 * the trace id), for Nest's filter and for routes served outside Nest alike. Unexpected errors
 * are logged here with their details; the client gets only the bare problem.
 */
export function problemResponse(
  exception: unknown,
  method: string | undefined,
  url: string | undefined,
  logger?: Logger,
): { status: number; headers: Record<string, string>; body: string } {
  const { problem, headers } = problemOf(exception);
  // a service or server away (deadline, lost connection, `unavailable`) is logged once per outage by the bus, not per request
  const unavailable = exception instanceof DeadlineExceededError || (exception instanceof RemoteError && exception.code === 'unavailable');
  if (problem.status >= 500 && !unavailable && !(exception instanceof ProblemException)) {
    // the query string can hold one-time secrets (an OAuth code): logs get the path only
    logger?.error({ err: exception, method, url: url?.split('?', 1)[0] }, 'request failed');
  }
  const traceId = traceIdOf(messageContext.current()?.traceparent);
  const body: ProblemDocument = { ...problem, instance: url, ...(traceId ? { traceId } : {}) };
  // a body with thousands of bad fields must not buy a response thousands of times its size
  if (body.errors && body.errors.length > MAX_LISTED_ERRORS) Object.assign(body, { errors: body.errors.slice(0, MAX_LISTED_ERRORS), errorCount: body.errors.length });
  return { status: problem.status, headers, body: JSON.stringify(body) };
}

/**
 * The problem document and response headers for any error a request can end with; unexpected
 * errors become a bare 500 (their details belong in the log, not the response).
 */
export function problemOf(exception: unknown): { problem: ProblemDocument; headers: Record<string, string> } {
  if (exception instanceof ProblemException) return { problem: exception.problem, headers: exception.headers };
  if (exception instanceof DeadlineExceededError) {
    return {
      problem: {
        type: problemType('service-unavailable'),
        title: 'Service unavailable',
        status: 503,
        detail:
          exception instanceof ConnectionLostError
            ? 'The message bus is unreachable right now.'
            : exception.noResponders
              ? 'A service this request needs is not running.'
              : 'A service this request needs did not answer in time.',
      },
      headers: { 'Retry-After': '1' },
    };
  }
  if (exception instanceof RemoteError) {
    const status = REMOTE_STATUS[exception.code];
    const problem: ProblemDocument = {
      type: problemType(exception.code.replace(/_/g, '-')),
      title: STATUS_CODES[status] ?? 'Error',
      status,
      detail: status === 502 ? 'A service this request needs failed.' : exception.message,
    };
    if (exception.errors) problem.errors = exception.errors;
    return { problem, headers: status === 503 ? { 'Retry-After': '1' } : {} };
  }
  if (exception instanceof InvalidMessageError) {
    return {
      problem: { type: problemType('validation-error'), title: 'Invalid request', status: 400, detail: 'The request has invalid fields.', errors: exception.errors },
      headers: {},
    };
  }
  const parsed = bodyParserProblem(exception) ?? (exception instanceof HttpException ? bodyParserProblem(exception.cause) : undefined);
  if (parsed) return { problem: parsed, headers: {} };
  const clientError = exception instanceof HttpException ? undefined : exposedClientError(exception);
  if (clientError) return { problem: clientError, headers: {} };
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const detail =
      typeof response === 'string' ? response : typeof (response as { message?: unknown }).message === 'string' ? (response as { message: string }).message : undefined;
    const slug = (STATUS_CODES[status] ?? 'error').toLowerCase().replace(/[^a-z]+/g, '-');
    return { problem: { type: problemType(slug), title: STATUS_CODES[status] ?? 'Error', status, ...(detail ? { detail } : {}) }, headers: {} };
  }
  return { problem: { type: problemType('internal-error'), title: 'Internal Server Error', status: 500, detail: 'The server failed to handle the request.' }, headers: {} };
}
