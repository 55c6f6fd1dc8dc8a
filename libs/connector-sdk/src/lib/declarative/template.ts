const WHOLE = /^\{\{\s*([A-Za-z0-9_.]+)\s*\}\}$/;
const ANY = /\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g;

export function lookup(scope: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (v !== null && typeof v === 'object' && Object.hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined), scope);
}

/** Placeholders in a declarative template: paths only (`input.id`), never code. */
export function placeholders(template: unknown): string[] {
  if (typeof template === 'string') return [...template.matchAll(ANY)].map((m) => m[1]);
  if (Array.isArray(template)) return template.flatMap(placeholders);
  if (template && typeof template === 'object') return Object.values(template).flatMap(placeholders);
  return [];
}

/**
 * Fills `{{ path }}` placeholders. A string that is exactly one placeholder keeps the value's
 * JSON type; otherwise values are stringified (through `encode` for URL paths).
 */
export function render(template: unknown, scope: Record<string, unknown>, encode: (s: string) => string = (s) => s): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole) return lookup(scope, whole[1]);
    return template.replace(ANY, (_m, path: string) => {
      const value = lookup(scope, path);
      return value === undefined || value === null ? '' : encode(typeof value === 'object' ? JSON.stringify(value) : String(value));
    });
  }
  if (Array.isArray(template)) return template.map((t) => render(t, scope, encode));
  if (template && typeof template === 'object') return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, render(v, scope, encode)]));
  return template;
}
