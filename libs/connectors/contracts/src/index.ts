export * from './lib/catalog.contracts';
export * from './lib/invoke.contracts';
export * from './lib/register.contracts';
export * from './lib/webhook.contracts';
export * from './lib/test.contracts';
export * from './lib/built-in-connector-keys';
