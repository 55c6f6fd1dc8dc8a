export * from './lib/audit-feature.module';
export * from './lib/tokens';
export * from './lib/audit.service';
export * from './lib/audit.access';
