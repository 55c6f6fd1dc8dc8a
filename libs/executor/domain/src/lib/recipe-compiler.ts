import { Cron } from 'croner';

import { STEP_KINDS, type ParallelMode, type Recipe, type StepKind } from '@junction/executor/contracts';

import { parseDuration } from './duration';
import { checkFlowKeys } from './flow-control';
import type { ExpressionError } from './expression';
import { DEFAULT_RETRY, type RetrySettings } from './retry';
import { compileTemplate, expressionsOf, type TemplateNode } from './template';

/** One rejected part of a recipe: `path` is a JSON pointer (`/steps/1/then/0/input/url`). */
export interface RecipeError {
  path: string;
  message: string;
}

/** How long an approval accepts a decision when its step names no `timeout`: 7 days. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 7 * 24 * 3600_000;

/** How long a waitFor step waits without a `timeout` of its own, and the most it may set. */
export const WAIT_FOR_DEFAULT_TIMEOUT_MS = 7 * 86_400_000;
export const WAIT_FOR_MAX_TIMEOUT_MS = 30 * 86_400_000;

/** The list that holds the recipe's top-level steps; nested lists are `<step id>/<branch>`. */
export const ROOT_LIST = 'root';

export type DelaySpec = { readonly kind: 'duration'; readonly value: TemplateNode } | { readonly kind: 'until'; readonly value: TemplateNode };

/** A step with everything the interpreter needs precomputed. */
export interface CompiledStep {
  readonly id: string;
  readonly kind: StepKind;
  /** Position in document order: a step may only read `steps.<id>` of a step with a lower order. */
  readonly order: number;
  readonly pointer: string;
  /** action/callRecipe input, set values, respond reply, if condition, forEach list, stop reason. */
  readonly value: TemplateNode;
  readonly action?: string;
  readonly connection?: string;
  readonly recipeId?: string;
  readonly wait?: boolean;
  readonly delay?: DelaySpec;
  readonly as?: string;
  /** forEach: iterations running at once (absent or 1: one at a time). */
  readonly concurrency?: number;
  /** parallel: each branch's name and the key of its list in CompiledRecipe.lists, in document order. */
  readonly branches?: readonly { readonly name: string; readonly list: string }[];
  readonly mode?: ParallelMode;
  readonly failed?: boolean;
  /** waitFor: the event's name (its key is `value`). `timeoutMs` is then how long it waits. */
  readonly event?: string;
  readonly retry: RetrySettings;
  readonly timeoutMs?: number;
  /** approval: how long a decision is accepted, and the notify action's input (`action`/`connection` hold its action). */
  readonly approval?: { readonly timeoutMs: number; readonly notify?: TemplateNode };
  /** Keys into CompiledRecipe.lists of this step's nested lists. */
  readonly lists: { readonly then?: string; readonly else?: string; readonly body?: string; readonly try?: string; readonly catch?: string };
}

export interface CompiledRecipe {
  readonly recipe: Recipe;
  readonly steps: ReadonlyMap<string, CompiledStep>;
  readonly lists: ReadonlyMap<string, readonly CompiledStep[]>;
  readonly timeoutMs?: number;
}

type Json = Record<string, unknown>;
/** Names a `set` step may not write: assigning them changes an object's prototype or constructor, not a variable. */
export const RESERVED_VAR_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

function retrySettings(raw: unknown): RetrySettings {
  if (!isObject(raw)) return DEFAULT_RETRY;
  const backoff = isObject(raw['backoff']) ? raw['backoff'] : {};
  return {
    maxAttempts: typeof raw['maxAttempts'] === 'number' ? raw['maxAttempts'] : DEFAULT_RETRY.maxAttempts,
    initialMs: parseDuration(backoff['initial']) ?? DEFAULT_RETRY.initialMs,
    maxMs: parseDuration(backoff['max']) ?? DEFAULT_RETRY.maxMs,
    factor: typeof backoff['factor'] === 'number' ? backoff['factor'] : DEFAULT_RETRY.factor,
  };
}

/**
 * Walks a recipe (that may not have passed the schema: every access is defensive), checks what a
 * JSON Schema cannot (one kind per step, unique ids, expressions that compile, references to
 * earlier steps, cron and time zone), and compiles every template. Returns the compiled recipe
 * when no error was found.
 */
export function buildRecipe(json: unknown, errors: RecipeError[]): CompiledRecipe | undefined {
  const before = errors.length;
  const steps = new Map<string, CompiledStep>();
  const lists = new Map<string, CompiledStep[]>();
  const firstSeen = new Map<string, string>();
  const expressionOwners: { step: CompiledStep; node: TemplateNode }[] = [];
  let order = 0;
  // what runs side by side around the step being walked (respond and callRecipe are refused there), innermost last
  const concurrent: string[] = [];
  // `<parallel id>/<branch>` of every branch around the step being walked, outermost first
  const branchPath: string[] = [];
  // the branch path of each step walked inside a branch (most steps are in none)
  const branchPathOf = new Map<CompiledStep, readonly string[]>();
  const fail = (path: string, message: string) => errors.push({ path, message });
  const onExpressionError = (e: ExpressionError) =>
    fail(e.site.path, e.code === 'template' ? `template ${JSON.stringify(e.expression)}: ${e.reason}` : `expression {{ ${e.expression} }}: ${e.reason}`);

  const walkList = (raw: unknown, pointer: string, key: string): string | undefined => {
    if (!Array.isArray(raw)) return undefined;
    const compiled: CompiledStep[] = [];
    lists.set(key, compiled);
    raw.forEach((item, i) => {
      const step = walkStep(item, `${pointer}/${i}`);
      if (step) compiled.push(step);
    });
    return key;
  };

  const walkStep = (raw: unknown, pointer: string): CompiledStep | undefined => {
    if (!isObject(raw)) return undefined;
    const kinds = STEP_KINDS.filter((k) => k in raw);
    if (kinds.length !== 1) {
      fail(pointer, kinds.length === 0 ? `must have one step kind: ${STEP_KINDS.join(', ')}` : `has several step kinds (${kinds.join(', ')}); a step has exactly one`);
      return undefined;
    }
    const kind = kinds[0];
    const id = typeof raw['id'] === 'string' ? raw['id'] : '';
    // A reply can only be sent once and a waited-for child job (an event, a person's decision) parks
    // its whole parent: neither fits iterations running side by side (see docs/decisions.md).
    if (concurrent.length > 0 && (kind === 'respond' || kind === 'callRecipe' || kind === 'waitFor' || kind === 'approval'))
      fail(`${pointer}/${kind}`, `is not allowed inside ${concurrent[concurrent.length - 1]}`);
    if (id) {
      const seen = firstSeen.get(id);
      if (seen) fail(`${pointer}/id`, `duplicate step id "${id}" (first used at ${seen})`);
      else firstSeen.set(id, pointer);
    }
    const template = (value: unknown, at: string) => compileTemplate(value, id, `${pointer}/${at}`, onExpressionError);
    const body = raw[kind];
    const base = { id, kind, order: order++, pointer, retry: DEFAULT_RETRY, lists: {} };
    let step: CompiledStep;
    switch (kind) {
      case 'action':
        step = {
          ...base,
          value: template(raw['input'] ?? {}, 'input'),
          action: String(body),
          connection: typeof raw['connection'] === 'string' ? raw['connection'] : undefined,
          retry: retrySettings(raw['retry']),
          timeoutMs: parseDuration(raw['timeout']),
        };
        break;
      case 'callRecipe': {
        const call = isObject(body) ? body : {};
        step = {
          ...base,
          value: template(call['input'] ?? {}, 'callRecipe/input'),
          recipeId: String(call['recipe']),
          wait: call['wait'] !== false,
          retry: retrySettings(raw['retry']),
        };
        break;
      }
      case 'set':
        // vars are written key by key: these names would reach an object's prototype instead of a variable
        for (const name of Object.keys(isObject(body) ? body : {})) {
          if (RESERVED_VAR_NAMES.has(name)) fail(`${pointer}/set/${name}`, 'is a reserved name, not a variable name');
        }
        step = { ...base, value: template(isObject(body) ? body : {}, 'set') };
        break;
      case 'respond':
        step = { ...base, value: template(isObject(body) ? body : {}, 'respond') };
        break;
      case 'if':
        step = { ...base, value: template(body, 'if') };
        break;
      case 'forEach':
        step = {
          ...base,
          value: template(body, 'forEach'),
          as: typeof raw['as'] === 'string' ? raw['as'] : undefined,
          concurrency: typeof raw['concurrency'] === 'number' && raw['concurrency'] > 1 ? raw['concurrency'] : undefined,
        };
        break;
      case 'stop': {
        const stop = isObject(body) ? body : {};
        step = { ...base, value: template(stop['reason'] ?? null, 'stop/reason'), failed: stop['failed'] === true };
        break;
      }
      case 'delay': {
        const spec: DelaySpec = isObject(body)
          ? 'until' in body
            ? { kind: 'until', value: template(body['until'], 'delay/until') }
            : { kind: 'duration', value: template(body['duration'], 'delay/duration') }
          : { kind: 'duration', value: template(body, 'delay') };
        step = { ...base, value: spec.value, delay: spec };
        break;
      }
      case 'parallel':
        step = { ...base, value: { kind: 'const', value: null, sync: true }, branches: [], mode: raw['mode'] === 'all' ? 'all' : 'first-failure' };
        break;
      case 'try':
        step = { ...base, value: { kind: 'const', value: null, sync: true } };
        break;
      case 'waitFor': {
        const wait = isObject(body) ? body : {};
        const timeoutMs = wait['timeout'] === undefined ? WAIT_FOR_DEFAULT_TIMEOUT_MS : parseDuration(wait['timeout']);
        if (timeoutMs !== undefined && timeoutMs > WAIT_FOR_MAX_TIMEOUT_MS) fail(`${pointer}/waitFor/timeout`, 'must be at most 30d');
        step = { ...base, value: template(wait['key'] ?? '', 'waitFor/key'), event: String(wait['event'] ?? ''), timeoutMs: timeoutMs ?? WAIT_FOR_DEFAULT_TIMEOUT_MS };
        break;
      }
      case 'approval': {
        const approval = isObject(body) ? body : {};
        const notify = isObject(approval['notify']) ? approval['notify'] : undefined;
        step = {
          ...base,
          value: template({ title: approval['title'] ?? '', description: approval['description'] ?? null }, 'approval'),
          action: notify ? String(notify['action']) : undefined,
          connection: notify && typeof notify['connection'] === 'string' ? notify['connection'] : undefined,
          approval: {
            timeoutMs: parseDuration(approval['timeout']) ?? DEFAULT_APPROVAL_TIMEOUT_MS,
            notify: notify ? template(notify['input'] ?? {}, 'approval/notify/input') : undefined,
          },
        };
        if (step.approval?.notify) expressionOwners.push({ step, node: step.approval.notify });
        break;
      }
    }
    if (id) steps.set(id, step);
    if (branchPath.length > 0) branchPathOf.set(step, [...branchPath]);
    expressionOwners.push({ step, node: step.value });
    // Children are walked after the step took its order, so they come later in document order.
    const nested: { then?: string; else?: string; body?: string; try?: string; catch?: string } = step.lists;
    if (kind === 'if') {
      nested.then = walkList(raw['then'], `${pointer}/then`, `${id}/then`);
      nested.else = walkList(raw['else'], `${pointer}/else`, `${id}/else`);
    } else if (kind === 'forEach') {
      if (step.concurrency) concurrent.push('a forEach with concurrency > 1');
      nested.body = walkList(raw['steps'], `${pointer}/steps`, `${id}/steps`);
      if (step.concurrency) concurrent.pop();
    } else if (kind === 'parallel') {
      const branches = step.branches as { name: string; list: string }[];
      concurrent.push('a branch of a parallel step');
      for (const [name, list] of Object.entries(isObject(body) ? body : {})) {
        // the join writes each branch's outputs under its name: this one would set the object's prototype instead
        if (name === '__proto__') {
          fail(`${pointer}/parallel/${name}`, 'is a reserved name, not a branch name');
          continue;
        }
        branchPath.push(`${id}/${name}`);
        const key = walkList(list, `${pointer}/parallel/${name}`, `${id}/${name}`);
        if (key) branches.push({ name, list: key });
        branchPath.pop();
      }
      concurrent.pop();
    } else if (kind === 'try') {
      nested.try = walkList(raw['try'], `${pointer}/try`, `${id}/try`);
      nested.catch = walkList(raw['catch'], `${pointer}/catch`, `${id}/catch`);
    }
    return step;
  };

  const root = isObject(json) ? json : {};
  walkList(root['steps'], '/steps', ROOT_LIST);

  for (const { step, node } of expressionOwners) {
    for (const expr of expressionsOf(node)) {
      for (const ref of expr.stepRefs) {
        const target = steps.get(ref);
        if (!target) fail(expr.site.path, `expression {{ ${expr.source} }}: steps.${ref} names no step of this recipe`);
        else if (target === step) fail(expr.site.path, `expression {{ ${expr.source} }}: steps.${ref} is this step itself`);
        else if (target.order > step.order) fail(expr.site.path, `expression {{ ${expr.source} }}: steps.${ref} runs after this step`);
        else {
          const clash = branchClash(target, branchPathOf.get(target) ?? [], branchPathOf.get(step) ?? []);
          if (clash) fail(expr.site.path, `expression {{ ${expr.source} }}: steps.${ref} ${clash}`);
        }
      }
    }
  }

  checkTrigger(root['trigger'], fail);
  const settings = isObject(root['settings']) ? root['settings'] : {};
  checkFlowKeys(settings, fail);
  if (errors.length > before) return undefined;
  return { recipe: json as Recipe, steps, lists, timeoutMs: parseDuration(settings['timeout']) };
}

/**
 * Why a step may not read `target`'s output although it comes earlier in the document: the target
 * runs in another branch of the same parallel step (side by side, it may not have run yet), or it
 * is a parallel step the reader runs inside (its output exists once every branch joined).
 */
function branchClash(target: CompiledStep, targetPath: readonly string[], readerPath: readonly string[]): string | undefined {
  if (target.kind === 'parallel' && readerPath.some((b) => b.startsWith(`${target.id}/`))) {
    return 'is the parallel step this step runs in; its output exists once every branch has joined';
  }
  for (let i = 0; i < targetPath.length && i < readerPath.length; i++) {
    if (targetPath[i] === readerPath[i]) continue;
    const [parallel, theirs] = targetPath[i].split('/');
    const [readerParallel, ours] = readerPath[i].split('/');
    // branches of two different parallel steps in one list: the earlier one had joined
    if (parallel !== readerParallel) return undefined;
    return `runs in branch "${theirs}" of parallel step "${parallel}", beside this step's branch "${ours}": it may not have run yet`;
  }
  return undefined;
}

function checkTrigger(trigger: unknown, fail: (path: string, message: string) => void): void {
  if (!isObject(trigger) || trigger['type'] !== 'schedule') return;
  const { cron, timezone } = trigger;
  if (typeof cron === 'string') {
    try {
      new Cron(cron, { paused: true }).stop();
    } catch (error) {
      fail('/trigger/cron', `is not a valid cron pattern: ${(error as Error).message}`);
    }
  }
  if (typeof timezone === 'string') {
    try {
      new Intl.DateTimeFormat('en', { timeZone: timezone });
    } catch {
      fail('/trigger/timezone', `is not a known IANA time zone`);
    }
  }
}
