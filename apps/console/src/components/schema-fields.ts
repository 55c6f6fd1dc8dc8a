/** The part of JSON Schema the generated forms understand: an object of scalar properties. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  /** A choice written as alternatives of constants (TypeBox's union of literals). */
  anyOf?: JsonSchema[];
  /** A map of any names (the http connector's own fields): see isOpenMap. */
  additionalProperties?: boolean | JsonSchema;
  default?: unknown;
  format?: string;
  writeOnly?: boolean;
  minLength?: number;
  minimum?: number;
  maximum?: number;
}

export type FieldKind = 'text' | 'secret' | 'number' | 'boolean' | 'choice';

export interface FormField {
  name: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  description?: string;
  choices?: string[];
  defaultValue?: string | number | boolean;
  minimum?: number;
  maximum?: number;
}

function typeOf(schema: JsonSchema): string | undefined {
  return Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
}

/** A secret is write-only: the schema says so with `writeOnly` or `format: password`. */
export function isSecret(schema: JsonSchema): boolean {
  return schema.writeOnly === true || schema.format === 'password';
}

/**
 * The form fields an object schema describes, in its order. Properties the form cannot edit (objects,
 * arrays) are left out; callers show that the schema had more than the form offers.
 */
export function fieldsOf(schema: JsonSchema): FormField[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).flatMap(([name, property]): FormField[] => {
    const type = typeOf(property);
    const base = { name, label: property.title ?? name, required: required.has(name), ...(property.description ? { description: property.description } : {}) };
    const scalarDefault = ['string', 'number', 'boolean'].includes(typeof property.default) ? { defaultValue: property.default as string | number | boolean } : {};
    const choices = Array.isArray(property.enum) ? property.enum : constants(property.anyOf);
    if (choices) return [{ ...base, kind: 'choice', choices: choices.map(String), ...scalarDefault }];
    if (type === 'boolean') return [{ ...base, kind: 'boolean', ...scalarDefault }];
    if (type === 'number' || type === 'integer') {
      return [
        {
          ...base,
          kind: 'number',
          ...scalarDefault,
          ...(property.minimum !== undefined ? { minimum: property.minimum } : {}),
          ...(property.maximum !== undefined ? { maximum: property.maximum } : {}),
        },
      ];
    }
    if (type === 'string' || type === undefined) return [{ ...base, kind: isSecret(property) ? 'secret' : 'text', ...(isSecret(property) ? {} : scalarDefault) }];
    return [];
  });
}

function constants(alternatives: JsonSchema[] | undefined): unknown[] | undefined {
  return alternatives?.length && alternatives.every((a) => 'const' in a) ? alternatives.map((a) => a.const) : undefined;
}

/** An object of any field names with string values and no named properties: edited as name/value pairs. */
export function isOpenMap(schema: JsonSchema): boolean {
  return Object.keys(schema.properties ?? {}).length === 0 && typeof schema.additionalProperties === 'object';
}

/** Starting values: each field's default (never for a secret). */
export function initialValues(fields: FormField[]): Record<string, string | number | boolean | undefined> {
  return Object.fromEntries(fields.filter((f) => f.defaultValue !== undefined && f.kind !== 'secret').map((f) => [f.name, f.defaultValue]));
}

/** Required fields left empty, by label (a boolean is never empty). */
export function missingRequired(fields: FormField[], values: Record<string, unknown>): string[] {
  return fields.filter((f) => f.required && f.kind !== 'boolean' && (values[f.name] === undefined || values[f.name] === '')).map((f) => f.label);
}

/** Whether anything was typed into the form (an edit sends credentials only then). */
export function anyTyped(values: Record<string, unknown>): boolean {
  return Object.values(values).some((v) => v !== undefined && v !== '' && v !== false);
}
