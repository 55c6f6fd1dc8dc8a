export * from './lib/schedule.connector';
