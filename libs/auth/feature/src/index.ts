export * from './lib/auth-feature.module';
