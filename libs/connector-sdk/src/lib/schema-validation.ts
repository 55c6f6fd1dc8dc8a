import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import RE2 from 're2';
import { namingClosest, narrowUnionErrors } from '@junction/platform/ports';

/**
 * `pattern` and `patternProperties` of the schemas compiled here come from users (custom connectors,
 * trigger inputs) and are matched against data from anyone: they run on RE2, in time linear in the
 * input (a backtracking `(a+)+$` would hold the connectors service for minutes). A pattern RE2 cannot
 * run (backreferences, lookaround) makes the schema fail to compile, which definitions report as invalid.
 */
export const linearRegExp = Object.assign(
  (pattern: string, flags: string) => {
    try {
      return new RE2(pattern, flags);
    } catch (error) {
      throw new Error(
        `pattern ${JSON.stringify(pattern)} is not supported (${(error as Error).message}): patterns run on a linear-time engine without backreferences or lookaround`,
      );
    }
  },
  { code: 'require("re2")' },
);

const newAjv = (): Ajv => {
  // verbose: the union narrowing reads each alternative's schema to name it
  const made = new Ajv({ allErrors: true, verbose: true, strict: false, useDefaults: true, coerceTypes: false, code: { regExp: linearRegExp } });
  addFormats(made);
  return made;
};
const ajv = newAjv();
const compiled = new WeakMap<object, ValidateFunction>();

export interface SchemaError {
  path: string;
  message: string;
}

/** Validates `value` against a JSON Schema (compiled once per schema object). Defaults are applied in place. */
export function validateAgainst(schema: object, value: unknown): SchemaError[] {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(value)) return [];
  return narrowUnionErrors(validate.errors ?? []).map((e) => ({
    path: e.instancePath || '/',
    message:
      e.keyword === 'additionalProperties'
        ? `must not have property "${(e.params as { additionalProperty: string }).additionalProperty}"${namingClosest(e.closest)}`
        : (e.message ?? 'is invalid'),
  }));
}

/** Schemas that arrive as data (a catalog answer over the bus): one object per distinct text, so each compiles once. */
const interned = new Map<string, object>();
const INTERNED_MAX = 256;

/**
 * Validates the fields of an object (a connection's credentials) against a schema that came as
 * data: paths are dotted field names (`password`, `tls.ca`), a missing required field is named by its
 * own path. Ajv keeps every schema object it compiled, so distinct texts are bounded; past the bound a
 * throw-away validator is used.
 */
export function validateFields(schema: object, value: unknown): SchemaError[] {
  const text = JSON.stringify(schema);
  let known = interned.get(text);
  if (!known && interned.size < INTERNED_MAX) interned.set(text, (known = schema));
  let validate = known ? compiled.get(known) : undefined;
  if (!validate) {
    validate = (known ? ajv : newAjv()).compile(schema);
    if (known) compiled.set(known, validate);
  }
  if (validate(value)) return [];
  return narrowUnionErrors(validate.errors ?? []).map((e) => {
    const at = e.instancePath
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (e.keyword === 'required') return { path: [...at, (e.params as { missingProperty: string }).missingProperty].join('.'), message: `is required${namingClosest(e.closest)}` };
    if (e.keyword === 'additionalProperties')
      return { path: [...at, (e.params as { additionalProperty: string }).additionalProperty].join('.'), message: `is not a known field${namingClosest(e.closest)}` };
    return { path: at.join('.'), message: e.message ?? 'is invalid' };
  });
}
