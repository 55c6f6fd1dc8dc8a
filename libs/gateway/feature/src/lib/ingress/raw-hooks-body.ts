import type { INestApplication } from '@nestjs/common';
import { raw } from 'express';

/**
 * Webhook bodies of any content type arrive as bytes (form posts, text, XML): signatures are
 * computed over the exact bytes. JSON bodies keep theirs as `req.rawBody` (Nest's rawBody option).
 */
export function acceptRawHookBodies(app: INestApplication, limitBytes: number): void {
  app.use('/hooks', raw({ type: () => true, limit: limitBytes }));
}
