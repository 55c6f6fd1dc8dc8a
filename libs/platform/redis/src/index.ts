export * from './lib/redis-cache';
export * from './lib/redis-lock';
export * from './lib/redis.module';
