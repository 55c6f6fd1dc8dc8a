import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

export type Type<T> = ClassConstructor<T>;

/** One rejected field: `path` is dotted (`items.0.name`), `message` says what is wrong. */
export interface FieldError {
  path: string;
  message: string;
}

/** A message or DTO failed validation: never processed, always reported with every bad field. */
export class InvalidMessageError extends Error {
  override readonly name = 'InvalidMessageError';
  constructor(
    readonly what: string,
    readonly errors: FieldError[],
  ) {
    super(`invalid ${what}: ${errors.map((e) => `${e.path || '(root)'} ${e.message}`).join('; ')}`);
  }
}

export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) out.push({ path, message });
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, path));
  }
  return out;
}

// Keys that would let a payload reach Object.prototype through later merges.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Path of the first `__proto__` / `constructor` / `prototype` key in parsed JSON, or undefined. */
export function findForbiddenKey(value: unknown, path = '', depth = 0): string | undefined {
  if (depth > 64 || value === null || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value)) {
    const here = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) return here;
    const found = findForbiddenKey((value as Record<string, unknown>)[key], here, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * Turns untrusted plain data into a validated instance of `cls`, or throws InvalidMessageError
 * listing every bad field. Unknown properties are errors, not silently dropped: a typo in a
 * contract should fail loudly on both sides.
 */
export function validatePayload<T extends object>(cls: Type<T>, plain: unknown, what = cls.name): T {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    throw new InvalidMessageError(what, [{ path: '', message: 'must be a JSON object' }]);
  }
  const forbidden = findForbiddenKey(plain, '', 0);
  if (forbidden) throw new InvalidMessageError(what, [{ path: forbidden, message: 'is a forbidden key' }]);
  const instance = plainToInstance(cls, plain, { enableImplicitConversion: false }) as T;
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) throw new InvalidMessageError(what, flattenValidationErrors(errors));
  return instance;
}

/** Validates a payload that may already be an instance of `cls` (the common case on the sending side). */
export function ensureValid<T extends object>(cls: Type<T>, payload: T | unknown, what = cls.name): T {
  if (payload instanceof cls) {
    const errors = validateSync(payload, { whitelist: true, forbidNonWhitelisted: true, validationError: { target: false, value: false } });
    if (errors.length > 0) throw new InvalidMessageError(what, flattenValidationErrors(errors));
    return payload;
  }
  return validatePayload(cls, payload, what);
}
