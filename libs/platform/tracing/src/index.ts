export * from './lib/start-tracing';
export * from './lib/span-scrubber';
