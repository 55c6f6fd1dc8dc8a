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
    metadataGeneration++;
    targets.clear();
    grouped = new WeakMap();
    add(metadata);
  };
  storage[MEMOIZED] = true;
}
const MEMOIZED = Symbol.for('junction.validation-metadata-memoized');
/** Counts the decorators registered: plans made before a later one are made again. */
let metadataGeneration = 0;
memoizeValidationMetadata();

/** The parts of class-validator's metadata the accept path reads (`ValidationMetadata`, `ConstraintMetadata`). */
interface Rule {
  type: string;
  target: unknown;
  propertyName: string;
  constraints: unknown[];
  constraintCls: unknown;
  each?: boolean;
  validateIf?: (object: object, value: unknown) => boolean;
}
interface Constraint {
  async: boolean;
  instance: { validate(value: unknown, args: object): unknown };
}
interface RuleStorage {
  getTargetValidationMetadatas(target: unknown, schema: string | undefined, always: boolean, strict: boolean, groups?: string[]): Rule[];
  groupByPropertyName(rules: Rule[]): Record<string, Rule[]>;
  getTargetValidatorConstraints(cls: unknown): Constraint[];
}

/** One decorator's check of a property: the constraint objects class-validator would call, resolved once. */
interface Check {
  rule: Rule;
  validators: Constraint['instance'][];
}
interface PropertyPlan {
  name: string;
  conditions: ((object: object, value: unknown) => boolean)[];
  /** `@IsDefined()` checks first, then the others, in class-validator's order. */
  checks: Check[];
  /** Schema names of the nested validations (`@ValidateNested()`). */
  nested: string[];
}
interface Plan {
  /** No rules at all (forbidUnknownValues refuses the value), or a rule the accept path does not follow. */
  handOver: boolean;
  allowed: Set<string>;
  properties: PropertyPlan[];
}

const CUSTOM = 'customValidation';
const NESTED = 'nestedValidation';
const CONDITIONAL = 'conditionalValidation';
const DEFINED = 'isDefined';
const WHITELIST = 'whitelistValidation';

// per class and schema; a decorator registered later (a class defined later) makes new plans
let plans = new WeakMap<object, Map<string | undefined, Plan>>();
let plansOf = 0;

function planOf(target: object, schema: string | undefined): Plan {
  if (plansOf !== metadataGeneration) {
    plansOf = metadataGeneration;
    plans = new WeakMap();
  }
  let bySchema = plans.get(target);
  if (!bySchema) plans.set(target, (bySchema = new Map()));
  let plan = bySchema.get(schema);
  if (!plan) bySchema.set(schema, (plan = makePlan(target, schema)));
  return plan;
}

function makePlan(target: object, schema: string | undefined): Plan {
  const storage = getMetadataStorage() as unknown as RuleStorage;
  // the arguments validateSync's executor passes: no groups, `always` and strict groups off
  const rules = storage.getTargetValidationMetadatas(target, schema, false, false, undefined);
  const grouped = storage.groupByPropertyName(rules);
  const plan: Plan = { handOver: rules.length === 0, allowed: new Set(), properties: [] };
  for (const [name, own] of Object.entries(grouped)) {
    if (own.length > 0) plan.allowed.add(name);
    const property: PropertyPlan = { name, conditions: [], checks: [], nested: [] };
    const custom: Check[] = [];
    for (const rule of own) {
      if (rule.type === CONDITIONAL) property.conditions.push(rule.constraints[0] as PropertyPlan['conditions'][number]);
      else if (rule.type === DEFINED || rule.type === CUSTOM) {
        // validateSync ignores asynchronous constraints
        const validators = storage
          .getTargetValidatorConstraints(rule.constraintCls)
          .filter((c) => !c.async)
          .map((c) => c.instance);
        (rule.type === DEFINED ? property.checks : custom).push({ rule, validators });
      } else if (rule.type === NESTED) property.nested.push(typeof rule.target === 'string' ? rule.target : (rule.target as { name: string }).name);
      else if (rule.type !== WHITELIST) plan.handOver = true; // promise validation, or a type this does not know
    }
    property.checks.push(...custom);
    plan.properties.push(property);
  }
  return plan;
}

/**
 * class-validator's verdict for a message it would accept, without its error objects (#19). Its
 * `validateSync` makes a ValidationError and several filtered arrays per property even when every
 * check passes. This walks the same metadata in the same order and calls the same constraint
 * objects with the same arguments, under the options `validatePayload` and `ensureValid` use
 * (whitelist, forbidNonWhitelisted, forbidUnknownValues, no groups, async constraints ignored as
 * `validateSync` does). It only ever answers "valid": `false` means "let class-validator decide",
 * which it then does with its own messages; what this does not follow (`each`, nested arrays,
 * promise validation, a constraint returning a promise, a metadata type it does not know) is such
 * a `false`. So a payload is never accepted that class-validator would refuse.
 */
export function acceptedWithoutErrors(object: object, schema?: string): boolean {
  const plan = planOf(object.constructor, schema);
  if (plan.handOver) return false;
  for (const key of Object.keys(object)) if (!plan.allowed.has(key)) return false; // forbidNonWhitelisted
  const record = object as Record<string, unknown>;
  for (const property of plan.properties) {
    const value = record[property.name];
    let checked = true;
    for (const condition of property.conditions) if (!condition(object, value)) checked = false;
    if (!checked) continue; // @IsOptional() and an absent value, or @ValidateIf() false: nothing else runs
    for (const check of property.checks) if (!passes(check, object, value)) return false;
    if (value === undefined) continue;
    for (const nested of property.nested) {
      if (Array.isArray(value) || value instanceof Set || value instanceof Map || !(value instanceof Object)) return false;
      if (!acceptedWithoutErrors(value, nested)) return false;
    }
  }
  return true;
}

function passes(check: Check, object: object, value: unknown): boolean {
  const { rule } = check;
  if (rule.validateIf && !rule.validateIf(object, value)) return true;
  // `each` over a collection: left to class-validator
  if (rule.each && check.validators.length > 0 && (Array.isArray(value) || value instanceof Set || value instanceof Map)) return false;
  for (const validator of check.validators) {
    const args = { targetName: object.constructor ? object.constructor.name : undefined, property: rule.propertyName, object, value, constraints: rule.constraints };
    const valid = validator.validate(value, args);
    if (typeof valid === 'object' && valid !== null && typeof (valid as { then?: unknown }).then === 'function') return false;
    if (!valid) return false;
  }
  return true;
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
  if (acceptedWithoutErrors(instance)) return instance;
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
    if (acceptedWithoutErrors(payload)) return payload;
    const errors = validateSync(payload, { whitelist: true, forbidNonWhitelisted: true, validationError: { target: false, value: false } });
    if (errors.length > 0) throw new InvalidMessageError(what, flattenValidationErrors(errors));
    return payload;
  }
  return validatePayload(cls, payload, what);
}
