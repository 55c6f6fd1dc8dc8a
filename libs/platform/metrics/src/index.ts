export * from './lib/http-metrics.middleware';
export * from './lib/metrics-server';
export * from './lib/metrics.module';
export * from './lib/queue-gauges';
export * from './lib/readiness-gauges';
export * from './lib/scrape-sample';
export * from './lib/service-metrics';
