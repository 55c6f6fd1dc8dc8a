export * from './lib/duration';
export { EXPRESSION_LIMITS, ExpressionError, type ExpressionSite } from './lib/expression';
export * from './lib/interpreter';
export * from './lib/job-lifecycle';
export * from './lib/job-state';
export { ROOT_LIST, type CompiledRecipe, type CompiledStep, type RecipeError } from './lib/recipe-compiler';
export * from './lib/retry';
export { scanTemplate } from './lib/template';
export * from './lib/validate-recipe';
