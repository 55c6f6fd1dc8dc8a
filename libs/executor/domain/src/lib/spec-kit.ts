import type { Recipe, Step } from '@junction/executor/contracts';

import type { Command, StepResult } from './job-state';
import { validateRecipe } from './validate-recipe';

/** Small pieces the engine's specs share (not exported from the library). */

/** A valid webhook recipe of these steps, or the validation errors thrown. */
export function recipeOf(steps: Step[], settings?: Recipe['settings']): Recipe {
  const result = validateRecipe({ name: 'spec', trigger: { type: 'webhook' }, steps, ...(settings ? { settings } : {}) });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.recipe;
}

export const ok = (output: unknown = {}): StepResult => ({ ok: true, output });

/** The engine's clock at the start of every spec job, epoch ms. */
export const T0 = 1_000_000;

export type Invoke = Extract<Command, { type: 'invoke' }>;
export const invokes = (commands: Command[]): Invoke[] => commands.filter((c): c is Invoke => c.type === 'invoke');
