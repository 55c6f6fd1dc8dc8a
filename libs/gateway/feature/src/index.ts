export * from './lib/gateway-feature.module';
export * from './lib/openapi';
