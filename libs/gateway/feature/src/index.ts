export * from './lib/gateway-feature.module';
export * from './lib/openapi';
export * from './lib/shared/principal';
export { acceptRawHookBodies } from './lib/ingress/raw-hooks-body';
