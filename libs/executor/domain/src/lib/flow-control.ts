import type { Recipe } from '@junction/executor/contracts';

import { parseDuration } from './duration';
import { clockBindings, type ExpressionError } from './expression';
import { compileTemplate, expressionsOf, render, type TemplateNode } from './template';

/** How long a job refused by its key's limit sleeps before it is claimed and asks again. */
export const KEY_RETRY_MS = 250;

export interface KeyedLimit {
  readonly limit: number;
  readonly key: TemplateNode;
}

export interface KeyedRate extends KeyedLimit {
  readonly periodMs: number;
}

const compiled = new WeakMap<Recipe, KeyedLimit | null>();
const compiledRates = new WeakMap<Recipe, KeyedRate | null>();

function keyNode(source: string, path: string): TemplateNode {
  const errors: ExpressionError[] = [];
  const key = compileTemplate(source, 'settings', path, (e) => errors.push(e));
  // a saved recipe's key compiled when it was saved; one that no longer does keys every job alike
  return errors.length > 0 ? { kind: 'const', value: '', sync: true } : key;
}

export interface KeyedDebounce {
  readonly key: TemplateNode;
  readonly periodMs: number;
  readonly maxWaitMs?: number;
}

const compiledDebounces = new WeakMap<Recipe, KeyedDebounce | null>();

/** The recipe's debounce (a burst of one key becomes its last job), compiled once per recipe object. */
export function keyedDebounce(recipe: Recipe): KeyedDebounce | undefined {
  let found = compiledDebounces.get(recipe);
  if (found === undefined) {
    const d = recipe.settings?.debounce;
    const periodMs = d ? parseDuration(d.period) : undefined;
    const maxWaitMs = d?.maxWait !== undefined ? parseDuration(d.maxWait) : undefined;
    found = d && periodMs ? { key: keyNode(d.key ?? '', '/settings/debounce/key'), periodMs, ...(maxWaitMs ? { maxWaitMs } : {}) } : null;
    compiledDebounces.set(recipe, found);
  }
  return found ?? undefined;
}

/** The recipe's throttle (at most `limit` jobs started per `period` per key), compiled once per recipe object. */
export function keyedThrottle(recipe: Recipe): KeyedRate | undefined {
  let found = compiledRates.get(recipe);
  if (found === undefined) {
    const t = recipe.settings?.throttle;
    const periodMs = t ? parseDuration(t.period) : undefined;
    found = t && periodMs ? { limit: t.limit, periodMs, key: keyNode(t.key ?? '', '/settings/throttle/key') } : null;
    compiledRates.set(recipe, found);
  }
  return found ?? undefined;
}

/** The recipe's per-key concurrency, compiled once per recipe object; undefined without one. */
export function keyedConcurrency(recipe: Recipe): KeyedLimit | undefined {
  let found = compiled.get(recipe);
  if (found === undefined) {
    const c = recipe.settings?.concurrency;
    found = null;
    if (c !== undefined && typeof c === 'object') found = { limit: c.limit, key: keyNode(c.key, '/settings/concurrency/key') };
    compiled.set(recipe, found);
  }
  return found ?? undefined;
}

/**
 * The key a job's trigger falls under: the expression's value as text. A key that fails on this
 * trigger, or gives no scalar, is the empty key: such jobs share one slot set rather than escape the limit.
 */
export async function flowKeyOf(key: TemplateNode, trigger: unknown, workspaceId: string, now: number): Promise<string> {
  let value: unknown;
  try {
    value = await render(key, { trigger, steps: {}, vars: {}, job: { workspaceId } }, clockBindings(now));
  } catch {
    return '';
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/**
 * Save-time check of the flow control keys (`concurrency.key`, `throttle.key`, `debounce.key`): each
 * must compile, and read only the trigger (a key is decided before the job runs a step).
 */
export function checkFlowKeys(settings: Record<string, unknown>, fail: (path: string, message: string) => void): void {
  for (const name of ['concurrency', 'throttle', 'debounce']) {
    const setting = settings[name];
    if (setting === null || typeof setting !== 'object' || typeof (setting as { key?: unknown }).key !== 'string') continue;
    const path = `/settings/${name}/key`;
    const node = compileTemplate((setting as { key: string }).key, 'settings', path, (e) =>
      fail(path, e.code === 'template' ? `template ${JSON.stringify(e.expression)}: ${e.reason}` : `expression {{ ${e.expression} }}: ${e.reason}`),
    );
    for (const expr of expressionsOf(node)) {
      if (expr.stepRefs.length > 0) fail(path, `expression {{ ${expr.source} }}: a key reads only the trigger, not steps.${expr.stepRefs[0]}`);
    }
  }
}
