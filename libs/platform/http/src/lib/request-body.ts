import type { IncomingMessage } from 'node:http';
import { isUtf8 } from 'node:buffer';

/**
 * body-parser's `verify` hook for JSON bodies: JSON is UTF-8 (RFC 8259 §8.1). Without this check
 * invalid bytes are decoded to U+FFFD and the request goes on as if the client had sent that, so
 * a body that is not JSON at all ends as a 422 about its content instead of a 400.
 */
export function verifyUtf8Body(_req: IncomingMessage, _res: unknown, body: Buffer): void {
  if (!isUtf8(body)) throw Object.assign(new Error('The request body is not valid UTF-8.'), { status: 400, type: 'encoding.invalid' });
}
