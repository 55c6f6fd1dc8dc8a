import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = Symbol('junction:public-route');

/**
 * Marks a route (or a whole controller) that answers without a principal. Every other route of
 * every service is refused unless an authentication guard admits the caller, so each public route
 * is a deliberate, greppable decision: health, metrics, the OAuth2 redirect target, login, JWKS.
 */
export const PublicRoute = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);
