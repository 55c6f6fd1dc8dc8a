export * from './lib/stripe.connector';
