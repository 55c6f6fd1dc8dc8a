import type { NextFunction, Request, Response } from 'express';
import { activeTraceparent, childTraceparent, messageContext } from '@junction/platform/ports';

/**
 * Opens the async context of an HTTP request: continues the caller's W3C trace (or starts one),
 * so logs, outgoing messages and problem documents carry the same trace id. With tracing on, the
 * HTTP instrumentation's server span is that context.
 */
export function traceContextMiddleware(req: Request, res: Response, next: NextFunction): void {
  const traceparent = requestTraceparent(req.header('traceparent'));
  res.setHeader('traceparent', traceparent);
  messageContext.run({ traceparent }, next);
}

/** The request's own span: the instrumentation's server span, or a child of the caller's. */
export function requestTraceparent(incoming: string | undefined): string {
  return activeTraceparent() ?? childTraceparent(incoming);
}
