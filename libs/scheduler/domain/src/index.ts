export * from './lib/backoff';
export * from './lib/clock';
export * from './lib/misfire';
export * from './lib/schedule-spec';
