import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemException } from './problem';
import { PUBLIC_ROUTE } from './public-route';

/**
 * The guard of a service that has no way to authenticate anyone (every service but the gateway):
 * only routes marked `@PublicRoute()` answer, so a controller added later without thought is
 * refused instead of being served to whoever reaches the port.
 */
@Injectable()
export class PublicRoutesOnlyGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    if (isPublicRoute(this.reflector, context)) return true;
    throw new ProblemException('not-found', 'Not found', 404, { detail: 'This service serves no such route.' });
  }
}

export function isPublicRoute(reflector: Reflector, context: ExecutionContext): boolean {
  return reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()]) === true;
}
