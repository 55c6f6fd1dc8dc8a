export * from './lib/database-start';
export * from './lib/local-secrets';
export * from './lib/quickstart';
export * from './lib/run-standalone';
export * from './lib/standalone-ports.module';
