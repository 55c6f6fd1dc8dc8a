import 'reflect-metadata';
import { validateSync } from 'class-validator';

type Type<T> = new () => T;

/** A missing or malformed environment variable; the message names every one of them. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Converts a variable to the type of its default; an unconvertible value stays a string and fails validation. */
function coerce(value: string, example: unknown): unknown {
  if (typeof example === 'number') return /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  if (typeof example === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  return value;
}

/**
 * Reads `cls` from environment variables (property names are the variable names). Empty strings
 * count as unset so `FOO=` falls back to the default. Values keep their defaults when unset.
 */
export function loadConfig<T extends object>(cls: Type<T>, env: NodeJS.ProcessEnv = process.env): T {
  const defaults = new cls() as Record<string, unknown>;
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) {
    const value = env[key];
    raw[key] = value === undefined || value === '' ? defaults[key] : coerce(value, defaults[key]);
  }
  const instance = Object.assign(new cls(), raw);
  const errors = validateSync(instance as object, { validationError: { target: false, value: false } });
  if (errors.length > 0) {
    throw new ConfigError(errors.map((e) => `${e.property}: ${Object.values(e.constraints ?? { invalid: 'is invalid' }).join(', ')}`));
  }
  return Object.freeze(instance);
}
