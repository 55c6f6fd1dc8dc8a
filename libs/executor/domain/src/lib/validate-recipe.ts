import type { ErrorObject } from 'ajv';
import Ajv from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import RE2 from 're2';

import { namingClosest, narrowUnionErrors, type SchemaErrorLike } from '@junction/platform/ports';
import { dedupeKeyExpression, recipeSchema, type Recipe } from '@junction/executor/contracts';
import { compileExpression, ExpressionError } from './expression';

import { checkFanOut } from './fan-out';
import { buildRecipe, type CompiledRecipe, type RecipeError } from './recipe-compiler';

export type RecipeValidation = { ok: true; recipe: Recipe } | { ok: false; errors: RecipeError[] };

/** A stored recipe that no longer validates (a bug or a hand-edited row): never run. */
export class InvalidRecipeError extends Error {
  override readonly name = 'InvalidRecipeError';
  constructor(readonly errors: RecipeError[]) {
    super(`invalid recipe: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
  }
}

// The recipe schema's own patterns are fixed, but they run against every saved recipe: on RE2 too (linear time).
const ajv = new Ajv({
  allErrors: true,
  verbose: true,
  discriminator: true,
  allowUnionTypes: true,
  code: { regExp: Object.assign((p: string, f: string) => new RE2(p, f), { code: 'require("re2")' }) },
});
addFormats(ajv);
ajv.addKeyword({ keyword: 'x-message', schemaType: 'string' });
const validateSchema = ajv.compile(recipeSchema);

const compiledByRecipe = new WeakMap<object, CompiledRecipe>();

function messageOf(error: ErrorObject & SchemaErrorLike): RecipeError {
  const found = plainMessageOf(error);
  // required/additionalProperties are worded here, not by ajv: name the alternative again
  return error.closest && !found.message.endsWith(namingClosest(error.closest)) ? { ...found, message: found.message + namingClosest(error.closest) } : found;
}

function plainMessageOf(error: ErrorObject): RecipeError {
  const hint = (error.parentSchema as Record<string, unknown> | undefined)?.['x-message'];
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: `${error.instancePath}/${String(params['missingProperty'])}`, message: 'is required' };
    case 'additionalProperties':
      return { path: `${error.instancePath}/${String(params['additionalProperty'])}`, message: 'is not allowed here' };
    case 'enum':
      return { path: error.instancePath, message: `must be one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'discriminator':
      return {
        path: `${error.instancePath}/${String(params['tag'])}`,
        message: 'must be one of "webhook", "schedule", "poll", "manual"',
      };
    default:
      if (error.propertyName !== undefined) return { path: `${error.instancePath}/${error.propertyName}`, message: 'is not a valid name (letters, digits and _)' };
      if ((error.keyword === 'anyOf' || error.keyword === 'not' || error.keyword === 'pattern') && typeof hint === 'string') return { path: error.instancePath, message: hint };
      return { path: error.instancePath, message: error.message ?? 'is invalid' };
  }
}

function schemaErrors(errors: ErrorObject[]): RecipeError[] {
  // Each union answers with its closest alternative's failures (the alternatives the value was never
  // meant for say nothing useful), or, when none is close, with its own sentence (`x-message`).
  return narrowUnionErrors(errors.filter((e) => e.keyword !== 'if' && e.keyword !== 'propertyNames')).map(messageOf);
}

function dedupe(errors: RecipeError[]): RecipeError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\n${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Deeper than this, a recipe is refused before any recursive walk could exhaust the stack. */
export const MAX_RECIPE_DEPTH = 64;

function exceedsDepth(json: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[json, 0]];
  while (pending.length > 0) {
    const [value, depth] = pending.pop() as [unknown, number];
    if (value === null || typeof value !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(value)) pending.push([child, depth + 1]);
  }
  return false;
}

/** A `{{ }}` dedupe key must compile: the executor evaluates it on every event of the hook. */
function checkDedupeKey(json: unknown, errors: RecipeError[]): void {
  const key = (json as { trigger?: { dedupe?: { key?: unknown } } } | null)?.trigger?.dedupe?.key;
  if (typeof key !== 'string' || !key.startsWith('{{')) return;
  const path = '/trigger/dedupe/key';
  const source = dedupeKeyExpression(key);
  if (source === undefined) {
    errors.push({ path, message: 'is an empty expression' });
    return;
  }
  try {
    compileExpression(source, { stepId: 'trigger', path });
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    errors.push({ path, message: `does not compile: ${error.reason}` });
  }
}

/**
 * Checks a recipe against the schema and the rules beyond it, reporting every error with its
 * JSON pointer. A valid recipe is compiled on the way and its compilation cached for the engine.
 */
export function validateRecipe(json: unknown): RecipeValidation {
  return validate(json, true);
}

/**
 * `atSave`: the rules a new version must meet and stored ones need not (they were saved before
 * the rule and keep running): the fan-out limit.
 */
function validate(json: unknown, atSave: boolean): RecipeValidation {
  if (exceedsDepth(json, MAX_RECIPE_DEPTH)) return { ok: false, errors: [{ path: '', message: `nests deeper than ${MAX_RECIPE_DEPTH} levels` }] };
  const errors: RecipeError[] = validateSchema(json) ? [] : schemaErrors(validateSchema.errors ?? []);
  checkDedupeKey(json, errors);
  const compiled = buildRecipe(json, errors);
  if (atSave && compiled && errors.length === 0) checkFanOut(compiled, (path, message) => errors.push({ path, message }));
  if (errors.length > 0 || !compiled) return { ok: false, errors: dedupe(errors) };
  compiledByRecipe.set(compiled.recipe, compiled);
  return { ok: true, recipe: compiled.recipe };
}

/**
 * The compiled form of a recipe object, made once per object (keep one object per recipe
 * version: compilation costs about a millisecond, the engine's per-step budget is microseconds).
 * Throws InvalidRecipeError for a recipe that does not validate.
 */
export function compileRecipe(recipe: Recipe): CompiledRecipe {
  const cached = compiledByRecipe.get(recipe);
  if (cached) return cached;
  const result = validate(recipe, false);
  if (!result.ok) throw new InvalidRecipeError(result.errors);
  return compiledByRecipe.get(recipe) as CompiledRecipe;
}
