export * from './lib/audit-event.contracts';
export * from './lib/audit-publisher';
export * from './lib/redact-changes';
export * from './lib/audit-query.contracts';
