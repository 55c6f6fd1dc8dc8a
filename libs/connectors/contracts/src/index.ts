export * from './lib/catalog.contracts';
