export * from './lib/claim-check';
export * from './lib/jetstream-queue';
export * from './lib/nats-message-bus';
export * from './lib/nats.module';
export * from './lib/wire';
