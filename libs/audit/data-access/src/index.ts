export * from './lib/audit-event.store';
export * from './lib/audit-partitions';
export * from './lib/audit-row';
export * from './lib/audit-migrations';
