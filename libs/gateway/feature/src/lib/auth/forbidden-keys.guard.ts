import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { Problems } from '@junction/platform/http';
import { FORBIDDEN_KEYS, type FieldError } from '@junction/platform/ports';

/** Deeper than this, a body is refused: every walk over it (here, class-transformer, the services) stays bounded. */
export const MAX_BODY_DEPTH = 64;

/**
 * More members than this in one object and a body is refused: validating an object costs time
 * and error-list size per member in every service it reaches (60,000 unknown keys, under the
 * body limit, kept a service past its deadline: a 503 the client had ordered). Arrays are not
 * capped: a run's payload may carry long lists, and walking an array is cheap.
 */
export const MAX_OBJECT_MEMBERS = 10_000;

// a UTF-16 surrogate without its pair: JSON.parse lets `"\ud800"` through, Postgres refuses it
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unstorable(text: string): string | undefined {
  if (text.includes('\u0000')) return 'holds a NUL character (U+0000), which cannot be stored';
  if (LONE_SURROGATE.test(text)) return 'holds an unpaired UTF-16 surrogate, which is not Unicode text';
  return undefined;
}

/**
 * The first thing in a request's body or query that no service could take, as a field error:
 * a key that reaches an object's prototype, a NUL or broken Unicode in a key or a string (a
 * database error deep in a service, so a 5xx, if let through), nesting past MAX_BODY_DEPTH, or
 * an object of more than MAX_OBJECT_MEMBERS members.
 */
export function inspectInput(value: unknown, path = '', depth = 0): FieldError | undefined {
  if (typeof value === 'string') {
    const message = unstorable(value);
    return message ? { path: path || '(root)', message } : undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_BODY_DEPTH) return { path: path || '(root)', message: `is nested deeper than ${MAX_BODY_DEPTH} levels` };
  const isArray = Array.isArray(value);
  const entries: [string, unknown][] = isArray ? value.map((item, i) => [String(i), item]) : Object.entries(value);
  if (!isArray && entries.length > MAX_OBJECT_MEMBERS) return { path: path || '(root)', message: `has more than ${MAX_OBJECT_MEMBERS} members` };
  for (const [key, item] of entries) {
    // the same path spelling as the webhook ingress's NUL check: list[1].name
    const here = isArray ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) return { path: here, message: 'is a forbidden key' };
    const badKey = unstorable(key);
    if (badKey) return { path: here, message: `key ${badKey}` };
    const found = inspectInput(item, here, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * Refuses a body or query holding `__proto__`, `constructor` or `prototype` anywhere, before any
 * pipe turns it into a class instance: class-transformer silently drops or re-routes such keys,
 * so a DTO check after it cannot see them and the request would be half-accepted. Refuses at the
 * edge, with the field named, what would otherwise fail as a database error in a service.
 */
@Injectable()
export class ForbiddenKeysGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    const found = inspectInput(req.body as unknown) ?? prefixed('query', inspectInput(req.query as unknown));
    if (found) throw Problems.validation([found]);
    return true;
  }
}

function prefixed(where: string, error: FieldError | undefined): FieldError | undefined {
  return error ? { ...error, path: `${where}.${error.path}` } : undefined;
}
