export * from './lib/catalog.contracts';
export * from './lib/invoke.contracts';
export * from './lib/register.contracts';
