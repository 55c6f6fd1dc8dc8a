export * from './lib/pg-queue.migrations';
export * from './lib/postgres-queue';
