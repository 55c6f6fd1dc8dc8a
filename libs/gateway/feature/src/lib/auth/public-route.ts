import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = Symbol('junction:public-route');

/**
 * The route needs no API key: it is reached by a browser redirect and carries its own proof
 * (the OAuth2 callback's single-use `state`).
 */
export const PublicRoute = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);
