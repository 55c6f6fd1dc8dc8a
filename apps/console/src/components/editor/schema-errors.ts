import { Validator, type OutputUnit } from '@cfworker/json-schema';
import type { FieldError } from '../../api/client';
import { RECIPE_SCHEMA, schemaAt, type Schema } from './recipe-schema';

// Validators keep the wrapping keywords' failures too ("Items did not match schema."): only the
// failures at a value say something a person can act on.
const WRAPPERS = new Set(['properties', 'items', 'prefixItems', '$ref', 'allOf', 'if', 'then', 'else', 'propertyNames', 'oneOf', 'false']);

let validator: Validator | undefined;

function pointerOf(instanceLocation: string): string {
  const pointer = instanceLocation.replace(/^#/, '');
  try {
    return decodeURIComponent(pointer);
  } catch {
    return pointer;
  }
}

const escapeSegment = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

function parentSchema(unit: OutputUnit): Schema {
  const node = schemaAt(RECIPE_SCHEMA, unit.keywordLocation.replace(/\/[^/]*$/, ''));
  return node !== null && typeof node === 'object' ? (node as Schema) : {};
}

function valueAt(document: unknown, pointer: string): unknown {
  let value = document;
  for (const segment of pointer.split('/').slice(1)) {
    const key = segment.replace(/~1/g, '/').replace(/~0/g, '~');
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

const quoted = (values: unknown[]) => values.map((v) => JSON.stringify(v)).join(', ');

/** One failure in the server's words (`validate-recipe.ts` in the executor): where, and what is wrong there. */
function fieldError(unit: OutputUnit, path: string): FieldError | undefined {
  const schema = parentSchema(unit);
  const hint = schema['x-message'];
  const limit = schema[unit.keyword];
  switch (unit.keyword) {
    case 'required':
      return { path: `${path}/${escapeSegment(/"(.*)"/.exec(unit.error)?.[1] ?? '')}`, message: 'is required' };
    case 'additionalProperties':
      return { path: `${path}/${escapeSegment(/^Property "(.*)" does not match/.exec(unit.error)?.[1] ?? '')}`, message: 'is not allowed here' };
    case 'type':
      return { path, message: `must be ${([] as unknown[]).concat(limit).join(' or ')}` };
    case 'enum':
      return { path, message: `must be one of ${quoted(schema.enum ?? [])}` };
    case 'const':
      return { path, message: `must be ${JSON.stringify(schema.const)}` };
    case 'pattern':
    case 'not':
    case 'anyOf':
      return { path, message: typeof hint === 'string' ? hint : unit.keyword === 'pattern' ? `must match pattern "${String(limit)}"` : 'is not one of the allowed forms' };
    case 'minLength':
      return { path, message: `must NOT have fewer than ${String(limit)} characters` };
    case 'maxLength':
      return { path, message: `must NOT have more than ${String(limit)} characters` };
    case 'minItems':
      return { path, message: `must NOT have fewer than ${String(limit)} items` };
    case 'maxItems':
      return { path, message: `must NOT have more than ${String(limit)} items` };
    case 'minProperties':
      return { path, message: `must NOT have fewer than ${String(limit)} properties` };
    case 'minimum':
      return { path, message: `must be >= ${String(limit)}` };
    case 'maximum':
      return { path, message: `must be <= ${String(limit)}` };
    case 'dependentRequired': {
      const [, has, lacks] = /"(.*)" but does not have "(.*)"/.exec(unit.error) ?? [];
      return { path, message: has ? `must have property ${lacks} when property ${has} is present` : unit.error };
    }
    default:
      return WRAPPERS.has(unit.keyword) ? undefined : { path, message: unit.error };
  }
}

/**
 * The recipe schema's failures for a parsed definition, one per path and message, worded as the
 * API's 422 words them. Alternatives with an `x-message` are that one sentence; a discriminated
 * `oneOf` (the trigger) is judged by the branch its `type` names, or says which types exist.
 */
export function schemaErrors(definition: unknown): FieldError[] {
  validator ??= new Validator(RECIPE_SCHEMA as never, '2020-12', false);
  const units = validator.validate(definition).errors;
  const out: FieldError[] = [];
  // keyword locations under which failures are already said by one sentence (or belong to a branch not taken)
  const silenced: string[] = [];
  const isSilenced = (unit: OutputUnit) => silenced.some((prefix) => unit.keywordLocation.startsWith(prefix));

  for (const unit of units) {
    if (isSilenced(unit)) continue;
    const path = pointerOf(unit.instanceLocation);
    const schema = parentSchema(unit);
    if (unit.keyword === 'oneOf' && schema.discriminator) {
      const tag = schema.discriminator.propertyName;
      const branches = schema.oneOf ?? [];
      const value = valueAt(definition, path);
      const chosen = branches.findIndex((b) => b.properties?.[tag]?.const === (value as Record<string, unknown> | undefined)?.[tag]);
      branches.forEach((_, i) => i !== chosen && silenced.push(`${unit.keywordLocation}/${i}/`));
      if (chosen < 0) out.push({ path: `${path}/${escapeSegment(tag)}`, message: `must be one of ${quoted(branches.map((b) => b.properties?.[tag]?.const))}` });
      continue;
    }
    if (unit.keyword === 'anyOf') silenced.push(`${unit.keywordLocation}/`);
    if (unit.keywordLocation.includes('/propertyNames/')) {
      out.push({ path, message: 'is not a valid name (letters, digits and _)' });
      continue;
    }
    const error = fieldError(unit, path);
    if (error) out.push(error);
  }
  const seen = new Set<string>();
  return out.filter((e) => {
    const key = `${e.path}\n${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
