export * from './lib/audit-chain';
export * from './lib/audit-content';
export * from './lib/audit-cursor';
export * from './lib/canonical-json';
export * from './lib/partition-months';
export * from './lib/audit-filter';
