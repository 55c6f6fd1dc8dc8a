export * from './lib/github.connector';
