export * from './lib/auth-feature.module';
export * from './lib/auth.service';
export * from './lib/auth.access';
