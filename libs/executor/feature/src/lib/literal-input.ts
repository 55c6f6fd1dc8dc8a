import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import RE2 from 're2';

import { GetConnector } from '@junction/connectors/contracts';
import { DeadlineExceededError, namingClosest, narrowUnionErrors, RemoteError, type MessageBus } from '@junction/platform/ports';
import type { Recipe } from '@junction/executor/contracts';
import { compileRecipe, ROOT_LIST, type RecipeError } from '@junction/executor/domain';

/** An action a recipe calls with its input as written: `path` is the input's JSON pointer. */
export interface ActionInput {
  path: string;
  action: string;
  input: unknown;
}

/** A value with `{{ }}` in it renders at run time (the engine's own test: a whole expression or text around one). */
const isTemplate = (value: unknown): value is string => typeof value === 'string' && value.includes('{{');
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function at(json: unknown, pointer: string): unknown {
  let node = json;
  for (const segment of pointer.split('/').slice(1)) {
    const key = segment.replace(/~1/g, '/').replace(/~0/g, '~');
    node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

/** Every action a recipe calls with its input (action steps, an approval's notify), nested ones included, in document order. */
export function actionInputs(recipe: Recipe): ActionInput[] {
  const compiled = compileRecipe(recipe);
  const found: ActionInput[] = [];
  const visit = (key: string | undefined) => {
    for (const step of key === undefined ? [] : (compiled.lists.get(key) ?? [])) {
      if (step.action) {
        // an action step's own input, or the action a step of another kind sends on the way (an approval's notify)
        const path = step.kind === 'action' ? `${step.pointer}/input` : `${step.pointer}/${step.kind}/notify/input`;
        found.push({ path, action: step.action, input: at(recipe, path) ?? {} });
      }
      for (const nested of Object.values(step.lists)) visit(nested);
      for (const branch of step.branches ?? []) visit(branch.list);
    }
  };
  visit(ROOT_LIST);
  return found;
}

// The action schemas come from connectors (custom ones from users): the options the connectors
// service validates them with at run time (defaults fill a missing field before `required` is
// checked; they go into a copy, never into the recipe), patterns on RE2.
const ajv = new Ajv({
  allErrors: true,
  verbose: true,
  strict: false,
  useDefaults: true,
  coerceTypes: false,
  code: { regExp: Object.assign((p: string, f: string) => new RE2(p, f), { code: 'require("re2")' }) },
});
addFormats(ajv);
const byText = new Map<string, ValidateFunction>();
const COMPILED_MAX = 256;

function compiled(schema: object): ValidateFunction | undefined {
  const text = JSON.stringify(schema);
  let validate = byText.get(text);
  if (validate) return validate;
  try {
    // a schema past the bound is compiled for this call only (ajv keeps what it compiled)
    validate = (byText.size < COMPILED_MAX ? ajv : new Ajv({ allErrors: true, verbose: true, strict: false, useDefaults: true, coerceTypes: false, code: ajv.opts.code })).compile(
      schema,
    );
  } catch {
    // a schema this validator cannot compile is the connector's to answer at run time
    return undefined;
  }
  if (byText.size < COMPILED_MAX) byText.set(text, validate);
  return validate;
}

/** JSON pointers of the values that are templates: unknown until run time. */
function templatePaths(value: unknown, pointer = ''): string[] {
  if (isTemplate(value)) return [pointer];
  if (Array.isArray(value)) return value.flatMap((v, i) => templatePaths(v, `${pointer}/${i}`));
  if (isObject(value)) return Object.entries(value).flatMap(([k, v]) => templatePaths(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
  return [];
}

const UNIONS = new Set(['anyOf', 'oneOf']);

/**
 * Ajv's failures that the literal parts of the value cause: a failure at or under a template is
 * unknown until run time, and so is a union one of whose alternatives failed only there (the
 * template may render to what that alternative takes). Innermost unions first.
 */
function literalFailures(errors: ErrorObject[], templates: string[]): ErrorObject[] {
  const underTemplate = (e: ErrorObject) => templates.some((t) => e.instancePath === t || e.instancePath.startsWith(`${t}/`));
  let kept = errors.filter((e) => !underTemplate(e));
  const unions = kept.filter((e) => UNIONS.has(e.keyword)).sort((a, b) => b.schemaPath.length - a.schemaPath.length);
  for (const union of unions) {
    if (!kept.includes(union)) continue;
    const inside = (e: ErrorObject) => e !== union && e.schemaPath.startsWith(`${union.schemaPath}/`);
    const alternatives = Array.isArray(union.schema) ? union.schema.length : 0;
    const failing = new Set(kept.filter(inside).map((e) => e.schemaPath.slice(union.schemaPath.length + 1).split('/')[0]));
    // an alternative with no failure left is one a template may satisfy
    if (failing.size < alternatives) kept = kept.filter((e) => e !== union && !inside(e));
  }
  return kept;
}

/**
 * The failures of an action's input against the action's input schema, counting only its literal
 * parts: `{{ }}` values are unknown until run time and taken as fitting. Each failure is one line at
 * its JSON pointer under `path` (`/steps/2/input/method`); a union names its closest alternative.
 */
export function literalInputErrors(schema: object, input: unknown, path: string): RecipeError[] {
  const validate = compiled(schema);
  if (!validate || validate(structuredClone(input))) return [];
  const errors = literalFailures(validate.errors ?? [], templatePaths(input));
  return narrowUnionErrors(errors).map((e) => {
    const params = e.params as Record<string, unknown>;
    if (e.keyword === 'required') return { path: `${path}${e.instancePath}/${String(params['missingProperty'])}`, message: `is required${namingClosest(e.closest)}` };
    if (e.keyword === 'additionalProperties') {
      return { path: `${path}${e.instancePath}/${String(params['additionalProperty'])}`, message: `is not allowed here${namingClosest(e.closest)}` };
    }
    return { path: `${path}${e.instancePath}`, message: e.message ?? 'is invalid' };
  });
}

/**
 * Checks, at save, the literal parts of every action input against the action's input schema from
 * the connectors catalog (one `connectors.get.v1` per connector the recipe uses): a `method: FETCH`
 * is a 422 at `/steps/2/input/method` instead of a failed step at every run. An unknown connector
 * or action, and a catalog that does not answer, are left to run time as before: the save does not
 * depend on the connectors service being up.
 */
export class ActionInputCheck {
  constructor(private readonly bus: MessageBus) {}

  async errors(workspaceId: string, recipe: Recipe): Promise<RecipeError[]> {
    const inputs = actionInputs(recipe);
    const connectors = [...new Set(inputs.map((i) => connectorOf(i.action)).filter((c): c is string => c !== undefined))];
    const schemas = new Map<string, Map<string, Record<string, unknown>>>();
    await Promise.all(
      connectors.map(async (key) => {
        try {
          const summary = await this.bus.request(GetConnector, { key, workspaceId }, { workspaceId });
          schemas.set(key, new Map(summary.actions.map((a) => [a.key, a.inputSchema])));
        } catch (error) {
          if (error instanceof RemoteError || error instanceof DeadlineExceededError) return;
          throw error;
        }
      }),
    );
    return inputs.flatMap(({ path, action, input }) => {
      const connector = connectorOf(action);
      const schema = connector === undefined ? undefined : schemas.get(connector)?.get(action.slice(connector.length + 1));
      return schema ? literalInputErrors(schema, input, path) : [];
    });
  }
}

/** `http` of `http.request`; undefined for a name that is not `connector.action`. */
function connectorOf(action: string): string | undefined {
  const dot = action.lastIndexOf('.');
  return dot > 0 && dot < action.length - 1 ? action.slice(0, dot) : undefined;
}
