export * from './lib/postgres.connector';
