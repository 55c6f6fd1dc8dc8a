import type { INestApplication } from '@nestjs/common';
import { raw } from 'express';

/**
 * Webhook bodies of any content type arrive as bytes (form posts, text, XML, JSON): signatures
 * are computed over the exact bytes, and the ingress parses them once. Must be mounted before the
 * JSON parser (`configureApp` runs first), or JSON hooks would be parsed twice.
 */
export function acceptRawHookBodies(app: INestApplication, limitBytes: number): void {
  app.use('/hooks', raw({ type: () => true, limit: limitBytes }));
}
