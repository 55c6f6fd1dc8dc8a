import { RESERVED_VAR_NAMES } from './recipe-compiler';

/**
 * Writes a `set` step's values into the job's vars. A recipe saved before `set` refused reserved names may still
 * carry `__proto__` (a JSON body makes it an own key, and Object.assign would then change the prototype of vars),
 * so those names are skipped and the rest defined as plain data properties.
 */
export function assignVars(vars: Record<string, unknown>, values: Record<string, unknown>): void {
  for (const name of Object.keys(values)) {
    if (RESERVED_VAR_NAMES.has(name)) continue;
    Object.defineProperty(vars, name, { value: values[name], enumerable: true, writable: true, configurable: true });
  }
}
