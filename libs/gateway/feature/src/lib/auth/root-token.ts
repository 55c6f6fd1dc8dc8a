import { SetMetadata } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';

export const ROOT_TOKEN_ROUTE = Symbol('junction:root-token-route');

/** The route is authorised by the operator's root token (`JUNCTION_ROOT_TOKEN`), not by an API key. */
export const RootTokenRoute = (): MethodDecorator & ClassDecorator => SetMetadata(ROOT_TOKEN_ROUTE, true);

/**
 * Constant-time comparison: both sides are hashed first so that neither the length nor any
 * prefix of the configured token can be learnt from response times.
 */
export function rootTokenMatches(configured: string | undefined, presented: string | undefined): boolean {
  if (!configured || !presented) return false;
  const a = createHash('sha256').update(configured).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}
