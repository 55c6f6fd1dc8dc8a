// eslint-disable-next-line @nx/enforce-module-boundaries -- the published recipe file schema (what recipe files name in $schema), bundled at build time; no library code
import fileSchema from '../../../../../schemas/recipe.schema.json';

/** A JSON Schema node as the editor reads it (draft 2020-12; only the keywords it walks are named). */
export interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  if?: Schema;
  then?: Schema;
  else?: Schema;
  discriminator?: { propertyName: string };
  description?: string;
  'x-message'?: string;
  [keyword: string]: unknown;
}

/**
 * The recipe as `POST/PUT /v1/recipes` takes it: the published file schema less the two keys only a
 * recipe FILE carries (`state`, `$schema`), which the API refuses.
 */
function apiSchema(file: Schema): Schema {
  const { state: _state, $schema: _schemaKey, ...properties } = file.properties ?? {};
  return { ...file, properties };
}

export const RECIPE_SCHEMA: Schema = apiSchema(fileSchema as Schema);

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `#/$defs/step` → that node of the root schema (the recipe schema has only local references). */
export function resolveRef(root: Schema, ref: string): Schema {
  let node: unknown = root;
  for (const segment of ref.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    node = isObject(node) ? node[segment.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  }
  return isObject(node) ? (node as Schema) : {};
}

/**
 * The schema node a validator's keyword location names (`#/properties/steps/$ref/items/…`): a
 * `$ref` segment follows the reference, as the validator did.
 */
export function schemaAt(root: Schema, location: string): unknown {
  let node: unknown = root;
  for (const raw of location.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    const segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (segment === '$ref' && isObject(node) && typeof node['$ref'] === 'string') node = resolveRef(root, node['$ref']);
    else node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return node;
}

/** Whether a value meets an `if` schema of the kinds the recipe schema uses (`required`, `properties.x.const`). */
export function meetsCondition(condition: Schema, value: unknown): boolean {
  if (!isObject(value)) return false;
  if (condition.required?.some((key) => !(key in value))) return false;
  return Object.entries(condition.properties ?? {}).every(([key, sub]) => !('const' in sub) || value[key] === sub.const);
}

/** A oneOf branch chosen by its discriminator's value, or every branch when the value names none. */
function chosenBranches(schema: Schema, value: unknown): Schema[] {
  const branches = schema.oneOf ?? [];
  const tag = schema.discriminator?.propertyName;
  if (!tag || !isObject(value)) return branches;
  const chosen = branches.filter((b) => b.properties?.[tag]?.const === value[tag]);
  return chosen.length > 0 ? chosen : branches;
}

/**
 * The schema nodes that apply to a value: references followed, `allOf` and the `then`/`else` its
 * `if` selects merged in, `oneOf` narrowed by a discriminator, `anyOf` all kept (any may apply).
 */
export function applicable(root: Schema, schema: Schema, value: unknown, depth = 0): Schema[] {
  if (depth > 20) return [];
  const node = schema.$ref ? { ...resolveRef(root, schema.$ref), ...schema, $ref: undefined } : schema;
  const out: Schema[] = [node];
  const more = [
    ...(node.allOf ?? []),
    ...(node.anyOf ?? []),
    ...(node.oneOf ? chosenBranches(node, value) : []),
    ...(node.if ? [meetsCondition(node.if, value) ? node.then : node.else].filter((s): s is Schema => s !== undefined) : []),
  ];
  for (const sub of more) out.push(...applicable(root, sub, value, depth + 1));
  return out;
}

/** A child's value in a parsed document (undefined where the document has none). */
function childValue(value: unknown, segment: string | number): unknown {
  if (Array.isArray(value) && typeof segment === 'number') return value[segment];
  return isObject(value) ? value[String(segment)] : undefined;
}

/**
 * The schema nodes for the value at `path` in `document`. Under a discriminator's own property
 * (a trigger's `type`) every branch counts: that is where the branch is chosen.
 */
export function schemasAtPath(root: Schema, document: unknown, path: (string | number)[]): Schema[] {
  let nodes = applicable(root, root, document);
  let value = document;
  for (const segment of path) {
    const next: Schema[] = [];
    for (const node of nodes) {
      if (typeof segment === 'number') {
        if (node.items) next.push(node.items);
        continue;
      }
      const property = node.properties?.[segment];
      if (property) next.push(property);
      if (node.discriminator?.propertyName === segment) {
        for (const branch of node.oneOf ?? []) if (branch.properties?.[segment]) next.push(branch.properties[segment]);
      }
    }
    value = childValue(value, segment);
    nodes = next.flatMap((n) => applicable(root, n, value));
  }
  return nodes;
}
