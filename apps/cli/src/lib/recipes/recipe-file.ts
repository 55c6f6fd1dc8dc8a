import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

/** A recipe's declared run state in a file; the API calls `started` "running". */
export type DeclaredState = 'started' | 'stopped';

/** Keys a recipe file may carry beside the recipe itself. */
export const FILE_ONLY_KEYS = ['$schema', 'state'] as const;

export interface Position {
  line: number;
  column: number;
}

/** A problem in a file, where it is. */
export interface FileError extends Position {
  file: string;
  message: string;
}

/** One recipe file, parsed: the recipe as the API takes it, its declared state, and a way back to the source. */
export interface RecipeFile {
  file: string;
  /** The recipe (file-only keys removed); connections as written (names, usually). */
  definition: Record<string, unknown>;
  /** Absent: apply leaves the recipe's state alone. */
  state?: DeclaredState;
  /** Where the value (or, for a missing field, its nearest parent) at a JSON pointer is written; `preferKey`: its key. */
  positionOf(pointer: string, preferKey?: boolean): Position;
}

export type ParsedFile = { ok: true; recipe: RecipeFile } | { ok: false; errors: FileError[] };

/** `file:line:column: message`, the form editors and CI annotations understand. */
export function formatFileError(error: FileError): string {
  return `${error.file}:${error.line}:${error.column}: ${error.message}`;
}

/** Splits a JSON pointer (`/steps/0/input`) into its unescaped segments. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .replace(/^\//, '')
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * The node at a JSON pointer in a YAML document: a scalar member resolves to its value, any other
 * member to its key (where the field is written; always with `preferKey`), a list item to the item. A pointer that leaves the document stops at the
 * deepest node it reached (a missing field is reported on the map that lacks it).
 */
export function locate(doc: Document, pointer: string, preferKey = false): Node | undefined {
  let node: unknown = doc.contents;
  let at: Node | undefined = (doc.contents as Node | null) ?? undefined;
  for (const segment of pointerSegments(pointer)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === segment);
      if (!pair) return at;
      at = (pair.key as Node | null) ?? at;
      node = pair.value;
      if (!preferKey && isScalar(node)) at = node;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (!/^\d+$/.test(segment) || item === undefined) return at;
      at = item as Node;
      node = item;
    } else {
      return at;
    }
  }
  return at;
}

/** Parses one YAML or JSON recipe file (JSON is YAML), keeping the source positions of every node. */
export function parseRecipeFile(file: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): Position => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return { line, column: col };
  };
  if (doc.errors.length > 0) return { ok: false, errors: doc.errors.map((e) => ({ file, ...at(e.pos[0]), message: firstLine(e.message) })) };
  const json: unknown = doc.toJS({ maxAliasCount: 100 });
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { ok: false, errors: [{ file, line: 1, column: 1, message: 'a recipe file holds one object: name, trigger, steps (and state)' }] };
  }
  const { $schema: _schema, state, ...definition } = json as Record<string, unknown>;
  const positionOf = (pointer: string, preferKey = false): Position => at(locate(doc, pointer, preferKey)?.range?.[0]);
  if (state !== undefined && state !== 'started' && state !== 'stopped') {
    return { ok: false, errors: [{ file, ...positionOf('/state'), message: 'state must be "started" or "stopped"' }] };
  }
  return { ok: true, recipe: { file, definition, state: state as DeclaredState | undefined, positionOf } };
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}
