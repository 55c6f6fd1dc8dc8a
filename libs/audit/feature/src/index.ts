export * from './lib/audit-feature.module';
export * from './lib/tokens';
