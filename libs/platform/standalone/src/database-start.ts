// The entry point's first import: the data directory and embedded Postgres only, without the
// services' module graph (see startDatabase)
export * from './lib/database-start';
