export * from './lib/standard-webhooks.connector';
