/**
 * Ajv reports a value that fits no alternative of an `anyOf`/`oneOf` with every failure of every
 * alternative plus "must match a schema in anyOf": nine lines for one mistake, most about branches
 * the author never meant. These helpers keep one answer per problem: the failures of the closest
 * alternative (naming it), or, when the value's type fits none, one line listing what it may be.
 */

/** The fields of an Ajv `ErrorObject` read here (Ajv's own type, structurally; compiled with `verbose` for `schema`). */
export interface SchemaErrorLike {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  message?: string;
  schema?: unknown;
  parentSchema?: unknown;
  /** Set by narrowUnionErrors: the alternative a failure was measured against (`an object with type: "cursor"`). */
  closest?: string;
}

const UNIONS = new Set(['anyOf', 'oneOf']);
/** Failures that say the value is of another kind than the branch, not that it needs a fix. */
const KIND_KEYWORDS = new Set(['type', 'const', 'enum', 'pattern', 'format']);

type Schema = Record<string, unknown>;

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** "a string", `"GET"`, "an object with type "cursor""…: how an author would name an alternative. */
export function describeSchema(schema: unknown): string {
  if (!isSchema(schema)) return 'anything';
  if ('const' in schema) return JSON.stringify(schema['const']);
  if (Array.isArray(schema['enum'])) return (schema['enum'] as unknown[]).map((v) => JSON.stringify(v)).join(', ');
  const type = schema['type'];
  if (Array.isArray(type)) return type.map((t) => describeSchema({ type: t })).join(' or ');
  switch (type) {
    case 'string':
      if (typeof schema['pattern'] === 'string') return `a string matching ${schema['pattern']}`;
      return typeof schema['format'] === 'string' ? `a string (${schema['format']})` : 'a string';
    case 'number':
      return 'a number';
    case 'integer':
      return 'an integer';
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    case 'array':
      return 'a list';
    case 'object': {
      const properties = isSchema(schema['properties']) ? schema['properties'] : {};
      const tag = Object.entries(properties).find(([, p]) => isSchema(p) && 'const' in p);
      if (tag) return `an object with ${tag[0]}: ${JSON.stringify((tag[1] as Schema)['const'])}`;
      const required = Array.isArray(schema['required']) ? (schema['required'] as string[]) : Object.keys(properties);
      return required.length > 0 ? `an object with ${required.join(', ')}` : 'an object';
    }
    default:
      return 'a value';
  }
}

function listOf(items: string[]): string {
  const unique = [...new Set(items)];
  return unique.length <= 1 ? (unique[0] ?? '') : `${unique.slice(0, -1).join(', ')} or ${unique.at(-1)}`;
}

/** The suffix naming the alternative a failure was measured against. */
export function namingClosest(closest: string | undefined): string {
  return closest ? ` (closest: ${closest})` : '';
}

/**
 * When every alternative refuses the same field by its constant (`kind: "oauth9"` against `kind:
 * "none" | "bearer" | …`), that field is the mistake: one line there listing the values it may take.
 */
function sharedTag<E extends SchemaErrorLike>(unionPath: string, branches: E[][]): E | undefined {
  const tags = branches.map((errors) => errors.find((e) => e.instancePath !== unionPath && (e.keyword === 'const' || e.keyword === 'enum')));
  const first = tags[0];
  if (branches.length < 2 || !first || tags.some((t) => !t || t.instancePath !== first.instancePath)) return undefined;
  const values = (tags as E[]).flatMap((t) => (t.keyword === 'const' ? [t.params['allowedValue']] : ((t.params['allowedValues'] as unknown[]) ?? [])));
  return { ...first, keyword: 'enum', params: { allowedValues: values }, message: `must be one of ${[...new Set(values.map((v) => JSON.stringify(v)))].join(', ')}` };
}

/** The union errors not inside another union's alternatives. */
function outermostUnions(errors: SchemaErrorLike[]): SchemaErrorLike[] {
  const unions = errors.filter((e) => UNIONS.has(e.keyword));
  return unions.filter((u) => !unions.some((o) => o !== u && u.schemaPath.startsWith(`${o.schemaPath}/`)));
}

/** How far an alternative is from the value: unreachable when the value is of another kind. */
function distance(unionPath: string, branchErrors: SchemaErrorLike[]): number {
  if (branchErrors.some((e) => e.instancePath === unionPath && KIND_KEYWORDS.has(e.keyword))) return Number.POSITIVE_INFINITY;
  // a tag (`type: "cursor"`) that does not match says the author meant another alternative
  const tags = branchErrors.filter((e) => e.keyword === 'const' || e.keyword === 'enum').length;
  return tags * 100 + branchErrors.length;
}

/**
 * Replaces the failures of each union by those of its closest alternative (recursively), each
 * saying which alternative it was measured against; a union none of whose alternatives takes a
 * value of this type becomes one error listing what the value may be. Other errors pass through.
 */
export function narrowUnionErrors<E extends SchemaErrorLike>(errors: E[]): (E & Pick<SchemaErrorLike, 'closest'>)[] {
  const unions = outermostUnions(errors) as E[];
  if (unions.length === 0) return errors;
  const inside = (e: E, u: SchemaErrorLike) => e !== u && e.schemaPath.startsWith(`${u.schemaPath}/`);
  const out: E[] = [];
  const done = new Set<E>();
  // in the order ajv reported them, each union's answer where its first failure stood
  for (const e of errors) {
    const union = unions.find((u) => e === u || inside(e, u));
    if (!union) out.push(e);
    else if (!done.has(union)) {
      done.add(union);
      out.push(
        ...narrowUnion(
          union,
          errors.filter((x) => inside(x, union)),
        ),
      );
    }
  }
  return out;
}

function narrowUnion<E extends SchemaErrorLike>(union: E, within: E[]): E[] {
  const branches = Array.isArray(union.schema) ? (union.schema as unknown[]) : [];
  const byBranch = new Map<number, E[]>();
  for (const e of within) {
    const index = Number(e.schemaPath.slice(union.schemaPath.length + 1).split('/')[0]);
    byBranch.set(index, [...(byBranch.get(index) ?? []), e]);
  }
  // oneOf matched twice, or nothing failed inside: the union's own error says it
  if (byBranch.size === 0) return [union];
  const tag = sharedTag(union.instancePath, [...byBranch.values()]);
  if (tag) return [tag];
  let best: { index: number; distance: number } | undefined;
  for (const [index, branchErrors] of byBranch) {
    const d = distance(union.instancePath, branchErrors);
    if (!best || d < best.distance) best = { index, distance: d };
  }
  if (!best || best.distance === Number.POSITIVE_INFINITY) {
    const kinds = branches.map(describeSchema);
    const allConst = branches.length > 0 && branches.every((b) => isSchema(b) && ('const' in b || Array.isArray(b['enum'])));
    return [{ ...union, message: allConst ? `must be one of ${kinds.join(', ')}` : `must be ${listOf(kinds)}` }];
  }
  const closest = branches.length > 1 ? describeSchema(branches[best.index]) : undefined;
  return narrowUnionErrors(byBranch.get(best.index) ?? []).map((e) =>
    closest && !e.closest ? { ...e, closest, message: `${e.message ?? 'is invalid'}${namingClosest(closest)}` } : e,
  );
}
