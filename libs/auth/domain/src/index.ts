export * from './lib/aes-gcm';
export * from './lib/api-key-secret';
export * from './lib/env-key-provider';
export * from './lib/envelope';
export * from './lib/key-provider';
