import jsonata from 'jsonata';

import { guard, RegexEngine, unsupportedRegex } from './expression-guards';

export { ExpressionLimitError, SIZE_LIMITS, type ExpressionSizeLimits } from './expression-guards';

/**
 * Bounds of one JSONata evaluation. jsonata 2.x checks them before every node it evaluates
 * (`options.timeout`/`stack`/`sequence`, errors D1011, D1012, D2015): the timeout is the only use
 * of a clock in the engine and it cannot change a result, only abort a runaway evaluation
 * (`(function($f){$f($f)})(…)`, `[1..9999999]`). Tail calls are optimised by jsonata, so an
 * infinite tail recursion is stopped by the timeout, a deep one by the stack bound. Between nodes
 * is not enough on its own: the built-ins that could run long in one call are guarded (sizes, see
 * expression-guards.ts) and regex literals run on RE2 (linear time).
 */
export const EXPRESSION_LIMITS = {
  timeoutMs: 100,
  maxDepth: 256,
  maxSequence: 100_000,
  maxLength: 4_096,
};

const OPTIONS = {
  timeout: EXPRESSION_LIMITS.timeoutMs,
  stack: EXPRESSION_LIMITS.maxDepth,
  sequence: EXPRESSION_LIMITS.maxSequence,
  RegexEngine,
};

/**
 * Sets the evaluation timeout of this thread (jsonata reads it on every node, so it applies to
 * programs already compiled). An executor that offloads long evaluations sets a short inline
 * budget on its event loop and the full budget in its expression workers.
 */
export function setExpressionTimeout(timeoutMs: number): void {
  OPTIONS.timeout = timeoutMs;
}

/** Where an expression sits in a recipe, so a failure can say which step and field it came from. */
export interface ExpressionSite {
  stepId: string;
  /** JSON pointer of the template string in the recipe, e.g. `/steps/1/then/0/input/url`. */
  path: string;
}

/** An expression that failed to compile or evaluate; the message names the step and the expression. */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  constructor(
    readonly site: ExpressionSite,
    readonly expression: string,
    readonly reason: string,
    readonly code?: string,
  ) {
    super(`step "${site.stepId}", expression {{ ${expression} }} at ${site.path}: ${reason}`);
  }
}

export interface CompiledExpression {
  readonly source: string;
  readonly site: ExpressionSite;
  /** Set when the expression is plain navigation (`trigger.body.user.name`): read without jsonata. */
  readonly path?: readonly string[];
  readonly program: jsonata.Expression;
  /** `steps.<id>` names read from the evaluation root. */
  readonly stepRefs: readonly string[];
}

/** The values jsonata sees: `{ trigger, steps, vars, item, index, job, <forEach as> }`. */
export type EvaluationContext = Record<string, unknown>;

/** Per-evaluation overrides of `$now()`/`$millis()`, so they read the job's clock, not the machine's. */
export type ClockBindings = Record<string | symbol, unknown>;

interface JsonataFailure {
  code?: string;
  message?: string;
  position?: number;
  token?: string;
}

function describe(error: unknown): { reason: string; code?: string } {
  const failure = (error ?? {}) as JsonataFailure;
  const reason = failure.message ?? String(error);
  return failure.position !== undefined ? { reason: `${reason} (position ${failure.position})`, code: failure.code } : { reason, code: failure.code };
}

/** Compiles one `{{ }}` body; throws ExpressionError naming the site when it does not parse. */
export function compileExpression(source: string, site: ExpressionSite): CompiledExpression {
  if (source.length === 0) throw new ExpressionError(site, source, 'empty expression');
  if (source.length > EXPRESSION_LIMITS.maxLength) {
    throw new ExpressionError(site, source.slice(0, 40) + '…', `longer than ${EXPRESSION_LIMITS.maxLength} characters`);
  }
  let program: jsonata.Expression;
  try {
    program = jsonata(source, OPTIONS as jsonata.JsonataOptions);
  } catch (error) {
    const { reason, code } = describe(error);
    throw new ExpressionError(site, source, reason, code);
  }
  const ast = program.ast();
  const badRegex = findUnsupportedRegex(ast);
  if (badRegex) throw new ExpressionError(site, source, badRegex, 'regex');
  guard(program);
  return { source, site, program, path: plainPath(ast), stepRefs: [...collectStepRefs(ast)] };
}

/** The first regex literal RE2 cannot run, described; undefined when all can. */
function findUnsupportedRegex(node: unknown): string | undefined {
  if (node instanceof RegExp) return unsupportedRegex(node);
  if (node === null || typeof node !== 'object') return undefined;
  for (const child of Array.isArray(node) ? node : Object.values(node)) {
    const found = findUnsupportedRegex(child);
    if (found) return found;
  }
  return undefined;
}

const PATH_KEYS = new Set(['type', 'steps']);
const NAME_KEYS = new Set(['type', 'value', 'position']);

function plainPath(ast: jsonata.ExprNode): string[] | undefined {
  if (ast.type !== ('path' as jsonata.ExprNode['type']) || !Object.keys(ast).every((k) => PATH_KEYS.has(k))) return undefined;
  const names: string[] = [];
  for (const step of ast.steps ?? []) {
    if (step.type !== 'name' || typeof step.value !== 'string' || !Object.keys(step).every((k) => NAME_KEYS.has(k))) return undefined;
    names.push(step.value);
  }
  return names.length > 0 ? names : undefined;
}

// Child keys evaluated against a different context than the expression's root (path steps after
// the first, filters, sort terms, lambda bodies): a `steps.x` found there is not a step reference.
const RELATIVE_KEYS = new Set(['stages', 'predicate', 'group', 'terms', 'body', 'update', 'delete']);

function collectStepRefs(node: unknown, root = true, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const child of node) collectStepRefs(child, root, found);
    return found;
  }
  if (node === null || typeof node !== 'object') return found;
  const n = node as jsonata.ExprNode & Record<string, unknown>;
  if (n.type === ('path' as jsonata.ExprNode['type']) && Array.isArray(n.steps)) {
    const [first, second] = n.steps;
    if (root && first?.type === 'name' && first.value === 'steps' && second?.type === 'name') found.add(String(second.value));
    n.steps.forEach((step, i) => collectStepRefs(step, root && i === 0, found));
    return found;
  }
  for (const [key, child] of Object.entries(n)) {
    if (child !== null && typeof child === 'object') collectStepRefs(child, root && !RELATIVE_KEYS.has(key), found);
  }
  return found;
}

const hasOwn = Object.prototype.hasOwnProperty;
/** readPlainPath's answer when a list lies on the way (jsonata maps over lists: it evaluates such a path). */
export const FALLBACK = Symbol('fallback');

export function readPath(path: readonly string[], ctx: EvaluationContext): unknown {
  let value: unknown = ctx;
  for (const name of path) {
    if (value === null || typeof value !== 'object') return undefined;
    // jsonata maps a name over every element of a list: leave that to jsonata.
    if (Array.isArray(value)) return FALLBACK;
    if (!hasOwn.call(value, name)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}

/** True when `evaluate` will answer synchronously for every context (plain navigation). */
export function isSyncCapable(expr: CompiledExpression): boolean {
  return expr.path !== undefined;
}

/**
 * Evaluates an expression: synchronously for plain navigation without lists on the way,
 * through jsonata otherwise. Results are plain JSON (jsonata's sequences become arrays).
 */
export function evaluateExpression(expr: CompiledExpression, ctx: EvaluationContext, clock: ClockBindings): unknown {
  if (expr.path) {
    const value = readPath(expr.path, ctx);
    if (value !== FALLBACK) return value;
  }
  return evaluateWithJsonata(expr, ctx, clock);
}

async function evaluateWithJsonata(expr: CompiledExpression, ctx: EvaluationContext, clock: ClockBindings): Promise<unknown> {
  const offload = clock[OFFLOAD] as ExpressionOffload | undefined;
  if (offload?.prefers(expr, ctx)) return offload.evaluate(expr, ctx, clock[NOW] as number);
  let result: unknown;
  try {
    result = await expr.program.evaluate(ctx, clock);
  } catch (error) {
    const { reason, code } = describe(error);
    // past the inline budget: the rest of the budget is spent off the event loop
    if (offload && code === 'D1012') {
      offload.ranLong(expr, ctx);
      return offload.evaluate(expr, ctx, clock[NOW] as number);
    }
    throw new ExpressionError(expr.site, expr.source, reason, code);
  }
  try {
    return toPlainJson(result);
  } catch (error) {
    throw new ExpressionError(expr.site, expr.source, (error as Error).message);
  }
}

/**
 * Copies what jsonata built into plain JSON: sequence arrays lose their marker properties (a job
 * state must read the same after a JSON round trip), undefined members are dropped, and a
 * function result is an error. Subtrees that are already plain are returned as they are.
 */
export function toPlainJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function') throw new Error('the expression returned a function, not a JSON value');
    return value;
  }
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = toPlainJson(value[i]);
      out[i] = item === undefined ? null : item;
    }
    return out;
  }
  let copy: Record<string, unknown> | undefined;
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const before = source[key];
    const after = toPlainJson(before);
    if (after !== before || after === undefined) {
      copy ??= { ...source };
      if (after === undefined) delete copy[key];
      else copy[key] = after;
    }
  }
  return copy ?? value;
}

// How jsonata recognises a native function that wants its focus (environment) as `this`.
const nativeFunction = (implementation: (this: jsonata.Focus, ...args: never[]) => unknown) => ({ _jsonata_function: true, implementation });

/**
 * Where evaluations that run past the inline budget go: the driver's pool of expression workers.
 * The engine stays pure; it only hands the expression, its context and the job's clock over.
 */
export interface ExpressionOffload {
  /** True when this evaluation should skip the inline attempt (its expression or its workspace ran long before). */
  prefers(expr: CompiledExpression, ctx: EvaluationContext): boolean;
  /** An inline attempt of `expr` ran past the inline budget. */
  ranLong(expr: CompiledExpression, ctx: EvaluationContext): void;
  /** Evaluates off the event loop with the full budget: plain JSON, or a rejection with ExpressionError. */
  evaluate(expr: CompiledExpression, ctx: EvaluationContext, now: number): Promise<unknown>;
}

// Carried beside the bindings (jsonata binds string keys only, so symbols stay invisible to expressions).
const OFFLOAD = Symbol('offload');
const NOW = Symbol('now');

/** `$now()` and `$millis()` bound to the job's clock (`now`, epoch ms) for one evaluation, with the offload of long ones. */
export function clockBindings(now: number, offload?: ExpressionOffload): ClockBindings {
  const bindings: ClockBindings & { [OFFLOAD]?: ExpressionOffload; [NOW]: number } = {
    millis: nativeFunction(() => now),
    now: nativeFunction(function (this: jsonata.Focus, picture?: string, timezone?: string) {
      if (picture === undefined && timezone === undefined) return new Date(now).toISOString();
      const fromMillis = this.environment.lookup('fromMillis') as { implementation: (...args: unknown[]) => unknown };
      return fromMillis.implementation.call(this, now, picture, timezone);
    }),
    [NOW]: now,
  };
  if (offload) bindings[OFFLOAD] = offload;
  return bindings;
}
