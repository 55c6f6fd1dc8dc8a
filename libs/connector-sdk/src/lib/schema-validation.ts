import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, coerceTypes: false });
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
