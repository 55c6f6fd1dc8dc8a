export * from './lib/api-key.contracts';
export * from './lib/caller';
export * from './lib/connection.contracts';
export * from './lib/roles';
export * from './lib/secret-map';
export * from './lib/workspace.contracts';
export * from './lib/oauth.contracts';
export * from './lib/oauth-settings';
