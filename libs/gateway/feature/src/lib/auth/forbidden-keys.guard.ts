import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { Problems } from '@junction/platform/http';
import { findForbiddenKey } from '@junction/platform/ports';

/**
 * Refuses a `/v1` body holding `__proto__`, `constructor` or `prototype` anywhere, before any
 * pipe turns it into a class instance: class-transformer silently drops or re-routes such keys,
 * so a DTO check after it cannot see them and the request would be half-accepted.
 */
@Injectable()
export class ForbiddenKeysGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    const path = /^\/v1(\/|$)/.test(req.path) ? findForbiddenKey(req.body as unknown) : undefined;
    if (path) throw Problems.validation([{ path, message: 'is a forbidden key' }]);
    return true;
  }
}
