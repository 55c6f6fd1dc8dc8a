import { parseDocument } from 'yaml';
import type { DefinitionFormat } from './definition-text';
import { meetsCondition, RECIPE_SCHEMA, schemasAtPath, type Schema } from './recipe-schema';

/** What the cursor is on: a key of the object at `path`, or the value at `path`; `from`/`to` is the text a choice replaces. */
export interface CursorPlace {
  kind: 'key' | 'value';
  path: (string | number)[];
  from: number;
  to: number;
  /** The document as parsed with the cursor's token replaced by a placeholder. */
  document: unknown;
  /** A `:` already follows the key being typed. */
  colonAfter: boolean;
}

export interface SchemaOption {
  /** The text matched against what is typed (with its quotes in JSON). */
  label: string;
  displayLabel: string;
  apply: string;
  detail?: string;
  info?: string;
  type: 'property' | 'keyword' | 'enum';
}

const MARK = '__junction_cursor__';

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Where the placeholder landed: as a key (the path of its object) or as a value (its own path). */
function findMark(value: unknown, path: (string | number)[] = []): { kind: 'key' | 'value'; path: (string | number)[] } | undefined {
  if (value === MARK) return { kind: 'value', path };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findMark(value[i], [...path, i]);
      if (found) return found;
    }
  } else if (isObject(value)) {
    if (MARK in value) return { kind: 'key', path };
    for (const [key, item] of Object.entries(value)) {
      const found = findMark(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

const nextChar = (text: string, at: number) => /\S/.exec(text.slice(at))?.[0] ?? '';
const prevChar = (text: string, at: number) => /(\S)\s*$/.exec(text.slice(0, at))?.[1] ?? '';

function jsonPlace(text: string, pos: number): CursorPlace | undefined {
  const before = text.slice(0, pos);
  const after = text.slice(pos);
  const inString = /"[^"\\\n]*$/.exec(before);
  const from = inString ? inString.index : pos - (/[\w$.-]*$/.exec(before)?.[0].length ?? 0);
  const to = pos + (inString ? (/^[^"\\\n]*"?/.exec(after)?.[0].length ?? 0) : (/^[\w$.-]*/.exec(after)?.[0].length ?? 0));
  const colonAfter = nextChar(text, to) === ':';
  const comma = nextChar(text, to) === '"' ? ',' : '';
  const attempts = prevChar(text, from) === ':' ? ['value'] : prevChar(text, from) === '{' ? ['key'] : ['key', 'value'];
  for (const kind of attempts) {
    const token = kind === 'key' ? `"${MARK}"${colonAfter ? '' : ': null'}` : `"${MARK}"`;
    try {
      const document = JSON.parse(`${text.slice(0, from)}${token}${comma}${text.slice(to)}`) as unknown;
      const found = findMark(document);
      if (found) return { ...found, from, to, document, colonAfter };
    } catch {
      // not this reading of the cursor's place
    }
  }
  return undefined;
}

function yamlPlace(text: string, pos: number): CursorPlace | undefined {
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  const before = text.slice(lineStart, pos);
  const after = text.slice(pos, (text.indexOf('\n', pos) + 1 || text.length + 1) - 1);
  const key = /^(\s*(?:-\s+)*)([\w$-]*)$/.exec(before);
  const value = /^\s*(?:-\s+)*["']?[\w$-]+["']?\s*:\s+(["']?[\w$.-]*)$/.exec(before);
  let from: number;
  let to: number;
  let token: string;
  let colonAfter = false;
  if (key) {
    from = lineStart + key[1].length;
    to = pos + (/^[\w$-]*/.exec(after)?.[0].length ?? 0);
    colonAfter = text.slice(to).startsWith(':');
    token = colonAfter ? MARK : `${MARK}:`;
  } else if (value) {
    from = pos - value[1].length;
    to = pos + (/^[\w$.-]*["']?/.exec(after)?.[0].length ?? 0);
    token = MARK;
  } else {
    return undefined;
  }
  try {
    const document = parseDocument(`${text.slice(0, from)}${token}${text.slice(to)}`).toJS() as unknown;
    const found = findMark(document);
    return found ? { ...found, from, to, document, colonAfter } : undefined;
  } catch {
    return undefined;
  }
}

/** The cursor's place in a definition being typed, or undefined where no key or value is expected. */
export function cursorPlace(text: string, pos: number, format: DefinitionFormat): CursorPlace | undefined {
  return format === 'json' ? jsonPlace(text, pos) : yamlPlace(text, pos);
}

function valueAt(document: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((value, segment) => (isObject(value) || Array.isArray(value) ? (value as Record<string, unknown>)[segment] : undefined), document);
}

function typeName(schema: Schema): string | undefined {
  if (schema.$ref?.endsWith('/steps')) return 'steps';
  return Array.isArray(schema.type) ? schema.type.join(' | ') : schema.type;
}

const YAML_PLAIN = /^[A-Za-z_][\w.-]*$/;

/**
 * The choices the recipe schema offers at a place: an object's keys not yet written (a step with
 * no kind yet also gets the kind keys, `action`, `set`, `if`, …, from the schema's `if: required`
 * branches), or a value's `enum`/`const` values and booleans.
 */
export function schemaOptions(place: CursorPlace, format: DefinitionFormat, root: Schema = RECIPE_SCHEMA): SchemaOption[] {
  const nodes = schemasAtPath(root, place.document, place.path);
  const options = new Map<string, SchemaOption>();
  const add = (option: SchemaOption) => options.has(option.label) || options.set(option.label, option);
  if (place.kind === 'key') {
    const current = valueAt(place.document, place.path);
    const written = new Set(isObject(current) ? Object.keys(current) : []);
    const keyOption = (name: string, schema: Schema | undefined, kind?: string): SchemaOption => {
      const detail = kind ?? (schema ? typeName(schema) : undefined);
      return {
        label: format === 'json' ? `"${name}"` : name,
        displayLabel: name,
        apply: `${format === 'json' ? `"${name}"` : name}${place.colonAfter ? '' : ': '}`,
        type: kind ? 'keyword' : 'property',
        ...(detail ? { detail } : {}),
        ...(schema?.description ? { info: schema.description } : {}),
      };
    };
    for (const node of nodes) {
      for (const [name, schema] of Object.entries(node.properties ?? {})) if (!written.has(name)) add(keyOption(name, schema));
      const kinds = (node.allOf ?? []).filter((branch) => branch.if?.required?.length === 1);
      if (kinds.length > 0 && !kinds.some((branch) => branch.if && meetsCondition(branch.if, current))) {
        for (const branch of kinds) add(keyOption(branch.if?.required?.[0] ?? '', undefined, 'step kind'));
      }
    }
  } else {
    const values = nodes.flatMap((node) => [...(node.enum ?? []), ...('const' in node ? [node.const] : []), ...(node.type === 'boolean' ? [true, false] : [])]);
    for (const value of values) {
      const text = typeof value === 'string' && format === 'yaml' && YAML_PLAIN.test(value) ? value : JSON.stringify(value);
      add({ label: format === 'json' ? JSON.stringify(value) : text, displayLabel: String(value), apply: text, type: 'enum' });
    }
  }
  return [...options.values()];
}
