import type { IncomingMessage } from 'node:http';
import { isUtf8 } from 'node:buffer';

/**
 * body-parser's `verify` hook for JSON bodies: JSON is UTF-8 (RFC 8259 §8.1). Without this check
 * invalid bytes are decoded to U+FFFD and the request goes on as if the client had sent that, so
 * a body that is not JSON at all ends as a 422 about its content instead of a 400. A declared
 * UTF-16 or UTF-32 charset (which body-parser would decode) is refused for the same reason: one
 * encoding, checked once, is what every service downstream assumes.
 */
export function verifyUtf8Body(req: IncomingMessage, _res: unknown, body: Buffer): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers?.['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw Object.assign(new Error(`The charset ${charset} is not supported; JSON is UTF-8.`), { status: 415, type: 'charset.unsupported' });
  }
  if (!isUtf8(body)) throw Object.assign(new Error('The request body is not valid UTF-8.'), { status: 400, type: 'encoding.invalid' });
}
