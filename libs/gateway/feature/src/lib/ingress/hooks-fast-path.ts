import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import type { INestApplication } from '@nestjs/common';
import type { Logger } from 'pino';
import { PROBLEM_CONTENT_TYPE, ProblemException, problemResponse, requestTraceparent } from '@junction/platform/http';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { ServiceMetrics } from '@junction/platform/metrics';
import { messageContext, nameActiveSpan } from '@junction/platform/ports';
import { TriggerIngress } from './trigger-ingress.service';

const HOOK_URL = /^\/hooks\/([^/?#]*)\/?(?:\?(.*))?$/;
const HOOK_ID = /^[A-Za-z0-9_-]{16,64}$/;
const ROUTE = '/hooks/:hookId';

/**
 * `POST /hooks/:hookId` served straight from Node's HTTP server, ahead of Express and Nest: the
 * busiest route does only its own work (trace context, metrics, a bounded body read, the ingress,
 * problem documents), not a router, guards, pipes, body-parser and a request logger it does not
 * use. Everything else, other methods on /hooks included, goes to the Nest application as before.
 */
export function serveHooksDirectly(app: INestApplication, limitBytes: number): void {
  const server = app.getHttpServer() as Server;
  const [nest] = server.listeners('request') as RequestListener[];
  if (!nest) throw new Error('the HTTP server has no request handler to put the hooks route in front of');
  const hooks = new HookRoute(app.get(TriggerIngress), app.get(ServiceMetrics), app.get<Logger>(ROOT_LOGGER), limitBytes);
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const match = req.method === 'POST' ? HOOK_URL.exec(req.url ?? '') : null;
    if (!match) return nest(req, res);
    hooks.serve(req, res, match[1], match[2]);
  });
}

class HookRoute {
  constructor(
    private readonly ingress: TriggerIngress,
    private readonly metrics: ServiceMetrics,
    private readonly logger: Logger,
    private readonly limitBytes: number,
  ) {}

  serve(req: IncomingMessage, res: ServerResponse, hookId: string, search: string | undefined): void {
    nameActiveSpan(`POST ${ROUTE}`, { 'http.route': ROUTE });
    const traceparent = requestTraceparent(header(req, 'traceparent'));
    res.setHeader('traceparent', traceparent);
    const stop = this.metrics.httpDuration.startTimer({ method: 'POST' });
    res.once('finish', () => stop({ route: ROUTE, status: String(res.statusCode) }));
    messageContext.run({ traceparent }, () => {
      this.accept(req, hookId, search).then(
        (body) => send(res, 202, 'application/json; charset=utf-8', body),
        (error: unknown) => this.fail(req, res, error),
      );
    });
  }

  private async accept(req: IncomingMessage, hookId: string, search: string | undefined): Promise<string> {
    const receivedAtMs = Date.now();
    if (!HOOK_ID.test(hookId)) throw new ProblemException('not-found', 'Not found', 404, { detail: 'The hook was not found.' });
    // the hook is found (and its workspace admitted) before a byte of the body is read
    const target = await this.ingress.admitWebhook(hookId, receivedAtMs);
    const rawBody = await readBody(req, this.limitBytes);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
    const query = search ? Object.fromEntries(new URLSearchParams(search)) : {};
    const accepted = await this.ingress.deliverWebhook(target, { rawBody, headers, query, contentType: headers['content-type'] ?? '', receivedAtMs });
    return JSON.stringify({ status: 'accepted', dedupeKey: accepted.dedupeKey, duplicate: accepted.duplicate });
  }

  private fail(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    const { status, headers, body } = problemResponse(error, req.method, req.url, this.logger);
    if (res.headersSent) return void res.destroy();
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    // a body not read to its end (refused half-way, or before the first byte: an unknown hook, a
    // quota, a Content-Length over the limit) is not kept. A known hook's sender of a too-large body
    // gets to read its 413: the rest is discarded, within bounds (closing at once makes most clients
    // report a broken pipe instead of the answer); anything else closes the connection at once.
    if (!req.complete) {
      if (status === 413) discardRest(req);
      else closeAfterAnswer(req, res);
    }
    send(res, status, PROBLEM_CONTENT_TYPE, body);
  }
}

// how much of a refused body is read and thrown away before the connection is cut
const DISCARD_MAX_BYTES = 64 * 1024 * 1024;
const DISCARD_MAX_MS = 10_000;

function discardRest(req: IncomingMessage, maxMs = DISCARD_MAX_MS): void {
  let seen = 0;
  const cut = () => req.socket.destroy();
  const timer = setTimeout(cut, maxMs);
  timer.unref();
  req.unpipe();
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > DISCARD_MAX_BYTES) cut();
  });
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

// how long a connection closed after its answer still swallows what its sender is writing
const LINGER_MS = 2_000;

/**
 * `Connection: close`, then a lingering close: the write side ends with the answer (the sender sees
 * the connection closed) while what it still writes is read and thrown away for a moment. Closing
 * both sides at once resets the connection under a sender still writing its body, which then
 * reports a broken pipe instead of the 404.
 */
function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('connection', 'close');
  const socket = req.socket;
  socket.destroySoon = () => {
    socket.end();
    discardRest(req, LINGER_MS);
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const tooLarge = (limit: number) => new ProblemException('payload-too-large', 'Payload too large', 413, { detail: `The request body exceeds the limit of ${limit} bytes.` });

/** The body as sent (gzip and deflate undone), refused with 413 as soon as it passes `limit`. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw tooLarge(limit);
  const encoding = (header(req, 'content-encoding') ?? 'identity').toLowerCase();
  let source: Readable = req;
  if (encoding === 'gzip') source = req.pipe(createGunzip());
  else if (encoding === 'deflate') source = req.pipe(createInflate());
  else if (encoding !== 'identity') {
    throw new ProblemException('unsupported-encoding', 'Unsupported encoding', 415, { detail: `Content-Encoding ${encoding} is not supported.` });
  }
  // a declared length is read into one buffer of that size (no chunk list, no concatenated copy)
  const exact = source === req && Number.isInteger(declared) && declared > 0 ? Buffer.allocUnsafe(declared) : undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    // not destroyed on an early exit: the socket must stay up for the 413
    for await (const chunk of source.iterator({ destroyOnReturn: false })) {
      const piece = chunk as Buffer;
      if (size + piece.length > limit) throw tooLarge(limit);
      if (exact && size + piece.length <= exact.length) piece.copy(exact, size);
      else chunks.push(piece);
      size += piece.length;
    }
  } catch (error) {
    if (error instanceof ProblemException) throw error;
    if (req.destroyed && !req.complete) throw new ProblemException('request-aborted', 'Request aborted', 400);
    throw new ProblemException('malformed-body', 'Malformed body', 400, { detail: 'The request body could not be decoded.' });
  }
  if (exact && size === exact.length) return exact;
  if (exact) throw new ProblemException('request-aborted', 'Request aborted', 400, { detail: 'The body is shorter than its Content-Length.' });
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
}
