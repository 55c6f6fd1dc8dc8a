export * from './lib/in-process-hub';
export * from './lib/in-process-message-bus';
export * from './lib/memory-cache';
export * from './lib/memory-lock';
export * from './lib/in-process-readiness';
