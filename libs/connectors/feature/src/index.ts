export * from './lib/action-invoker';
export * from './lib/built-in-connectors';
export * from './lib/connector-registry';
export * from './lib/connectors-feature.module';
export * from './lib/host-breakers';
