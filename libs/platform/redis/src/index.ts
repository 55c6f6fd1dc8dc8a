export * from './lib/redis-cache';
export * from './lib/redis-lock';
export * from './lib/redis.module';
export * from './lib/redis-rate-limiters';
export * from './lib/redis-acl';
