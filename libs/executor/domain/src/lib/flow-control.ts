import type { Recipe } from '@junction/executor/contracts';

import { clockBindings, type ExpressionError } from './expression';
import { compileTemplate, render, type TemplateNode } from './template';

/** How long a job refused by its key's limit sleeps before it is claimed and asks again. */
export const KEY_RETRY_MS = 250;

export interface KeyedLimit {
  readonly limit: number;
  readonly key: TemplateNode;
}

const compiled = new WeakMap<Recipe, KeyedLimit | null>();

/** The recipe's per-key concurrency, compiled once per recipe object; undefined without one. */
export function keyedConcurrency(recipe: Recipe): KeyedLimit | undefined {
  let found = compiled.get(recipe);
  if (found === undefined) {
    const c = recipe.settings?.concurrency;
    found = null;
    if (c !== undefined && typeof c === 'object') {
      const errors: ExpressionError[] = [];
      const key = compileTemplate(c.key, 'settings', '/settings/concurrency/key', (e) => errors.push(e));
      // a saved recipe's key compiled when it was saved; one that no longer does keys every job alike
      found = { limit: c.limit, key: errors.length > 0 ? { kind: 'const', value: '', sync: true } : key };
    }
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
