export * from './lib/recipe.schema';
export * from './lib/recipe.types';
