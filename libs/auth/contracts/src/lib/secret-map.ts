import { registerDecorator, type ValidationOptions } from 'class-validator';

/** Limits of a connection's secret fields; larger input is refused, not truncated. */
export const SECRET_LIMITS = { maxFields: 32, maxValueChars: 8192, fieldName: /^[A-Za-z][A-Za-z0-9_]{0,63}$/ } as const;

/** Why `value` is not a secret map, or undefined when it is one. */
export function secretMapProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'must be an object of string fields';
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return 'must be a plain object';
  const keys = Object.keys(value);
  if (keys.length > SECRET_LIMITS.maxFields) return `must have at most ${SECRET_LIMITS.maxFields} fields`;
  for (const key of keys) {
    // the name is safe to echo: it is checked before any value is looked at
    if (!SECRET_LIMITS.fieldName.test(key) || key === 'constructor' || key === 'prototype') return `field names must be letters, digits and _ (starting with a letter); one is not`;
    const field = (value as Record<string, unknown>)[key];
    if (typeof field !== 'string') return `field ${key} must be a string`;
    if (field.length > SECRET_LIMITS.maxValueChars) return `field ${key} must be at most ${SECRET_LIMITS.maxValueChars} characters`;
  }
  return undefined;
}

/** A flat map of secret fields (`{ apiKey: "…" }`): names are identifiers, values bounded strings. */
export function IsSecretMap(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isSecretMap',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => secretMapProblem(value) === undefined,
        defaultMessage: (args) => `${args?.property ?? 'credentials'} ${secretMapProblem(args?.value) ?? 'is invalid'}`,
      },
    });
}
