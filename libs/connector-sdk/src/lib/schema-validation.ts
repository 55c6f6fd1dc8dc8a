import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import RE2 from 're2';

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

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, coerceTypes: false, code: { regExp: linearRegExp } });
addFormats(ajv);
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
  return (validate.errors ?? []).map((e) => ({
    path: e.instancePath || '/',
    message: e.keyword === 'additionalProperties' ? `must not have property "${(e.params as { additionalProperty: string }).additionalProperty}"` : (e.message ?? 'is invalid'),
  }));
}
