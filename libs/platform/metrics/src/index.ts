export * from './lib/http-metrics.middleware';
export * from './lib/metrics.module';
export * from './lib/service-metrics';
