export * from './lib/action-invoker';
export * from './lib/built-in-connectors';
export * from './lib/connector-registry';
export * from './lib/connector-resolver';
export * from './lib/connectors-feature.module';
export * from './lib/host-breakers';
export { CONNECTORS_ENTITIES, CONNECTORS_MIGRATIONS } from '@junction/connectors/data-access';
export * from './lib/connectors.service';
export * from './lib/connectors.access';
