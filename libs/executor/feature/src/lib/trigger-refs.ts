import type { StepInputRef } from '@junction/executor/data-access';

// how deep into the trigger and into a step's input a shared value is looked for: templates name
// the trigger's parts (`{{ trigger.body }}`, `{{ trigger.body.rows }}`) near the top of an input
const MAX_DEPTH = 4;

// per trigger object: its object and array values (not inside arrays) → their path
const triggerParts = new WeakMap<object, Map<object, string[]>>();

/**
 * A step input whose object or array values are the trigger's own (the same object: a template's
 * `{{ trigger.body }}` renders the trigger's value, not a copy) stored once (#19): each such value
 * is replaced by null at its place, and `inputRef` says where it goes and which part of the job's
 * `trigger` it is; the readers of step rows put it back (`job_step_input`). Called on the input as
 * it will be stored, after redaction: a redacted part is a copy, so it is never referenced and the
 * stored row keeps exactly what redaction left. Without such values, the input is returned as is.
 */
export function withTriggerRefs(input: unknown, trigger: unknown): { input: unknown; inputRef?: StepInputRef[] } {
  if (input === null || typeof input !== 'object' || trigger === null || typeof trigger !== 'object') return { input };
  let parts: Map<object, string[]> | undefined;
  const refs: StepInputRef[] = [];
  const visit = (node: object, at: string[]): unknown => {
    parts ??= partsOf(trigger);
    const from = parts.get(node);
    if (from) {
      refs.push({ at, from });
      return null;
    }
    if (Array.isArray(node) || at.length >= MAX_DEPTH) return node;
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(node)) {
      const value = (node as Record<string, unknown>)[key];
      if (value === null || typeof value !== 'object') continue;
      const next = visit(value, [...at, key]);
      if (next !== value) {
        copy ??= { ...(node as Record<string, unknown>) };
        copy[key] = next;
      }
    }
    return copy ?? node;
  };
  const stored = visit(input, []);
  return refs.length === 0 ? { input } : { input: stored, inputRef: refs };
}

function partsOf(trigger: object): Map<object, string[]> {
  let parts = triggerParts.get(trigger);
  if (parts) return parts;
  parts = new Map();
  const walk = (node: object, path: string[]): void => {
    if (!parts?.has(node)) parts?.set(node, path);
    if (Array.isArray(node) || path.length >= MAX_DEPTH) return;
    for (const key of Object.keys(node)) {
      const value = (node as Record<string, unknown>)[key];
      if (value !== null && typeof value === 'object') walk(value, [...path, key]);
    }
  };
  walk(trigger, []);
  triggerParts.set(trigger, parts);
  return parts;
}
