export * from './lib/database.module';
export * from './lib/ensure-database';
export * from './lib/snake-naming.strategy';
