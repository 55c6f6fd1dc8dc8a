export * from './lib/embedded-database.error';
export * from './lib/data-dir-lock';
export * from './lib/embedded-postgres';
export * from './lib/postgres-binaries';
