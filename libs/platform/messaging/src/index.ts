export * from './lib/decorators';
export * from './lib/messaging.module';
