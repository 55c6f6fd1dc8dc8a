export * from './lib/contracts';
export * from './lib/errors';
export * from './lib/namespace';
export * from './lib/ports';
export * from './lib/timeout';
export * from './lib/trace-context';
export * from './lib/validation';
export * from './lib/random-pool';
