export * from './lib/webhook.connector';
