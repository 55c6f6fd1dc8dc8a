export * from './lib/api-key.repository';
export * from './lib/connection.repository';
export * from './lib/entities';
export * from './lib/migrations';
export * from './lib/oauth-state.repository';
export * from './lib/tenant';
export * from './lib/user.repository';
