export * from './lib/service-definition';
export * from './lib/service.module';
export * from './lib/start-service';
export * from './lib/platform-binding';
