import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { getMetadataStorage, validateSync, type ValidationError } from 'class-validator';

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

/**
 * class-validator recomputes a class's validation metadata (filtering every decorator of the
 * class and its parents, then grouping them by property) on every `validateSync`. Decorators only
 * ever add to that list when a class is defined, so the result is kept per class until another
 * decorator is registered: a message's validation drops from 15.6 to 10.2 µs (TriggerEventPayload),
 * and every message is validated where it is received. Group-filtered lookups are left alone.
 */
function memoizeValidationMetadata(): void {
  type Storage = {
    getTargetValidationMetadatas(target: unknown, schema: unknown, always: unknown, strict: unknown, groups?: string[]): unknown[];
    groupByPropertyName(metadatas: unknown[]): unknown;
    addValidationMetadata(metadata: unknown): void;
  };
  const storage = getMetadataStorage() as unknown as Storage & { [MEMOIZED]?: true };
  if (storage[MEMOIZED]) return;
  const targets = new Map<string, unknown[]>();
  let grouped = new WeakMap<unknown[], unknown>();
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);
  const ids = new WeakMap<object, number>();
  let nextId = 0;
  const idOf = (value: unknown) => {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return `:${String(value)}`;
    let id = ids.get(value);
    if (id === undefined) ids.set(value, (id = ++nextId));
    return String(id);
  };
  storage.getTargetValidationMetadatas = (target, schema, always, strict, groups) => {
    if (groups && groups.length > 0) return lookup(target, schema, always, strict, groups);
    const key = `${idOf(target)}|${idOf(schema)}|${String(always)}|${String(strict)}`;
    let found = targets.get(key);
    if (!found) targets.set(key, (found = lookup(target, schema, always, strict, groups)));
    return found;
  };
  storage.groupByPropertyName = (metadatas) => {
    let found = grouped.get(metadatas);
    if (found === undefined) grouped.set(metadatas, (found = group(metadatas)));
    return found;
  };
  storage.addValidationMetadata = (metadata) => {
    targets.clear();
    grouped = new WeakMap();
    add(metadata);
  };
  storage[MEMOIZED] = true;
}
const MEMOIZED = Symbol.for('junction.validation-metadata-memoized');
memoizeValidationMetadata();

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
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

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

const OPAQUE_KEYS = Symbol('junction:opaque');

/**
 * Marks a property as opaque data (a trigger body, an action's input or output): validation
 * checks it with the property's own decorators only, and it is taken over as is instead of being
 * deep-copied by class-transformer, which would double a large payload in memory and CPU.
 */
export function Opaque(): PropertyDecorator {
  return (target, key) => {
    const owner = target as { [OPAQUE_KEYS]?: string[] };
    const inherited = owner[OPAQUE_KEYS] ?? [];
    Object.defineProperty(owner, OPAQUE_KEYS, { value: [...inherited, String(key)], configurable: true });
  };
}

function opaqueKeys(cls: Type<unknown>): string[] {
  return (cls.prototype as { [OPAQUE_KEYS]?: string[] })[OPAQUE_KEYS] ?? [];
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
  const opaque = opaqueKeys(cls);
  let source = plain as Record<string, unknown>;
  const held: [string, unknown][] = [];
  if (opaque.length > 0) {
    source = { ...source };
    for (const key of opaque) {
      if (!Object.hasOwn(source, key)) continue;
      held.push([key, source[key]]);
      delete source[key];
    }
  }
  const instance = plainToInstance(cls, source, { enableImplicitConversion: false }) as T;
  for (const [key, value] of held) (instance as Record<string, unknown>)[key] = value;
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) throw new InvalidMessageError(what, flattenValidationErrors(errors));
  return instance;
}

/** Validates a payload that may already be an instance of `cls` (a signal's sender still checks what it emits). */
export function ensureValid<T extends object>(cls: Type<T>, payload: T | unknown, what = cls.name): T {
  if (payload instanceof cls) {
    const errors = validateSync(payload, { whitelist: true, forbidNonWhitelisted: true, validationError: { target: false, value: false } });
    if (errors.length > 0) throw new InvalidMessageError(what, flattenValidationErrors(errors));
    return payload;
  }
  return validatePayload(cls, payload, what);
}
