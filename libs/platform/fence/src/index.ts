export * from './lib/address-policy';
export * from './lib/allow-list.validator';
export * from './lib/fence';
export * from './lib/fenced-dispatcher';
