export * from './lib/idempotency.contracts';
export * from './lib/idempotency-keys.migration';
export * from './lib/idempotency.store';
export * from './lib/idempotency.module';
export * from './lib/request-identity';
export * from './lib/sealed-response';
