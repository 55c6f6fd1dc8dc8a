export * from './lib/gateway-feature.module';
export * from './lib/openapi';
export * from './lib/openapi-generate';
export * from './lib/shared/principal';
export { serveHooksDirectly } from './lib/ingress/hooks-fast-path';
export { IsTrustProxy, applyTrustProxy } from './lib/limits/trust-proxy';
export * from './lib/gateway.service';
export * from './lib/gateway.access';
