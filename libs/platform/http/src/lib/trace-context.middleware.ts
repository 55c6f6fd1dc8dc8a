import type { NextFunction, Request, Response } from 'express';
import { activeSpanNamer, activeTraceparent, childTraceparent, messageContext } from '@junction/platform/ports';

/**
 * Opens the async context of an HTTP request: continues the caller's W3C trace (or starts one),
 * so logs, outgoing messages and problem documents carry the same trace id. With tracing on, the
 * HTTP instrumentation's server span is that context.
 */
export function traceContextMiddleware(req: Request, res: Response, next: NextFunction): void {
  const traceparent = requestTraceparent(req.header('traceparent'));
  res.setHeader('traceparent', traceparent);
  nameByRoute(req, res);
  messageContext.run({ traceparent }, next);
}

/**
 * The server span named by its route template (`GET /v1/jobs/:id`), never by the path: ids in
 * paths would make every span name unique, and a hook's id is a credential. The name is set as
 * the answer starts (the router has matched by then), before the instrumentation ends the span.
 */
function nameByRoute(req: Request, res: Response): void {
  const name = activeSpanNamer();
  if (!name) return;
  const end = res.end;
  res.end = function (this: Response, ...args: unknown[]) {
    res.end = end;
    const route = (req.route as { path?: unknown } | undefined)?.path;
    if (typeof route === 'string') name(`${req.method} ${req.baseUrl}${route}`, { 'http.route': `${req.baseUrl}${route}` });
    return (end as (...a: unknown[]) => Response).apply(this, args);
  } as Response['end'];
}

/** The request's own span: the instrumentation's server span, or a child of the caller's. */
export function requestTraceparent(incoming: string | undefined): string {
  return activeTraceparent() ?? childTraceparent(incoming);
}
