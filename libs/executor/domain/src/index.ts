export * from './lib/duration';
export {
  clockBindings,
  compileExpression,
  type CompiledExpression,
  type EvaluationContext,
  evaluateExpression,
  EXPRESSION_LIMITS,
  ExpressionError,
  ExpressionLimitError,
  type ExpressionOffload,
  type ExpressionSite,
  type ExpressionSizeLimits,
  setExpressionTimeout,
  SIZE_LIMITS,
} from './lib/expression';
export * from './lib/interpreter';
export * from './lib/job-lifecycle';
export * from './lib/job-state';
export { ROOT_LIST, type CompiledRecipe, type CompiledStep, type RecipeError } from './lib/recipe-compiler';
export * from './lib/rerun-version';
export * from './lib/retry';
export { scanTemplate } from './lib/template';
export * from './lib/validate-recipe';
export * from './lib/flow-control';
export { APPROVAL_EVENT, decisionOutput, type ApprovalDecision, type ApprovalOutput } from './lib/approval-step';
export * from './lib/replay';
export { fieldChanges, renderPath, sameJson, type FieldChange } from './lib/replay-diff';
