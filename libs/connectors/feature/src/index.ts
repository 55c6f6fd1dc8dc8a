export * from './lib/connector-catalog';
export * from './lib/connectors-feature.module';
