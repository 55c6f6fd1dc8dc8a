export * from './lib/names';
export * from './lib/nats-cleanup';
export * from './lib/service-process';
export * from './lib/tcp-canary';
export * from './lib/tcp-proxy';
export * from './lib/wait-for';
export * from './lib/throwaway-server';
export * from './lib/throwaway-postgres';
