import type { NextFunction, Request, Response } from 'express';
import { childTraceparent, messageContext } from '@junction/platform/ports';

/**
 * Opens the async context of an HTTP request: continues the caller's W3C trace (or starts one),
 * so logs, outgoing messages and problem documents carry the same trace id.
 */
export function traceContextMiddleware(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.header('traceparent');
  const traceparent = childTraceparent(incoming);
  res.setHeader('traceparent', traceparent);
  messageContext.run({ traceparent }, next);
}
