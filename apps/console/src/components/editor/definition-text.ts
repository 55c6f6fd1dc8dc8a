import { parseDocument, stringify } from 'yaml';

export type DefinitionFormat = 'json' | 'yaml';

export const FORMAT_NAMES: Record<DefinitionFormat, string> = { json: 'JSON', yaml: 'YAML' };

export type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/** The definition a text holds, or why it holds none (the parser's own words). */
export function parseDefinition(text: string, format: DefinitionFormat): Parsed {
  try {
    if (format === 'json') return { ok: true, value: JSON.parse(text) as unknown };
    const document = parseDocument(text);
    if (document.errors.length > 0) return { ok: false, message: document.errors[0].message };
    return { ok: true, value: document.toJS() as unknown };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

/** A definition as text: JSON indented by two, or block-style YAML. */
export function renderDefinition(definition: unknown, format: DefinitionFormat): string {
  return format === 'json' ? JSON.stringify(definition, null, 2) : stringify(definition, { lineWidth: 0 });
}

/** Whether two parsed definitions are the same JSON value (the server may store keys in another order). */
export function sameDefinition(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameDefinition(item, b[i]));
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((key) => key in right && sameDefinition(left[key], right[key]));
}
