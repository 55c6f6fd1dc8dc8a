export * from './lib/executor-feature.module';
export * from './lib/executor.options';
