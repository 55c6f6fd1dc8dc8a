export * from './lib/claim-check';
export * from './lib/jetstream-queue';
export * from './lib/nats-connect';
export * from './lib/nats-message-bus';
export * from './lib/nats-permissions';
export * from './lib/nats.module';
export * from './lib/wire';
export * from './lib/nats-link';
