export * from './lib/recipe.schema';
export * from './lib/recipe.types';
export * from './lib/triggers.contracts';
export * from './lib/recipe-api.contracts';
export * from './lib/job-api.contracts';
export * from './lib/dedupe';
export * from './lib/workspace-settings.contracts';
export * from './lib/recipe-versions.contracts';
