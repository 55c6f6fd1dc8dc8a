export * from './lib/executor-feature.module';
export * from './lib/executor.options';
export * from './lib/executor.service';
export * from './lib/executor.access';
