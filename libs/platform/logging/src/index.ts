export * from './lib/tokens';
export * from './lib/create-logger';
export * from './lib/logging.module';
export * from './lib/redaction';
export * from './lib/outage-log';
export * from './lib/nest-log';
