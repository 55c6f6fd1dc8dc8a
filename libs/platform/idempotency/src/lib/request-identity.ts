import { createHmac } from 'node:crypto';

/** Stripe's limit: a key is 1 to 255 characters. */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
// visible ASCII, inner spaces allowed (a header value is trimmed at both ends anyway)
const KEY_RE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** The header's value, or what is wrong with it (absent is fine: the request is not idempotent). */
export function checkIdempotencyKey(value: string | string[] | undefined): { key?: string; problem?: string } {
  if (value === undefined) return {};
  if (Array.isArray(value)) return { problem: 'must be sent once' };
  if (value.length === 0) return { problem: 'must not be empty' };
  if (value.length > IDEMPOTENCY_KEY_MAX_LENGTH) return { problem: `must be at most ${IDEMPOTENCY_KEY_MAX_LENGTH} characters` };
  if (!KEY_RE.test(value)) return { problem: 'must be visible ASCII characters' };
  return { key: value };
}

/**
 * What a key is kept under: its workspace (or `root`) and its route, the method and path template
 * (`POST /v1/recipes/:id/runs`). One key sent to two routes is two keys; sent to two recipes' runs,
 * the same route, it is one key and the second body is another request (422).
 */
export function keyScopeOf(workspaceId: string, method: string, route: string): string {
  return `${workspaceId}\0${method.toUpperCase()} ${route}`;
}

/** What the owner stores for a key: an HMAC under the key, so its table never holds the key itself. */
export function keyHashOf(key: string, scope: string): string {
  return createHmac('sha256', key).update(`junction-idempotency-key\0${scope}`).digest('hex');
}

/**
 * What makes two requests "the same": method, path with query, and the body's JSON with its keys
 * sorted (a client re-serialising the same object is not a different request). An HMAC under the
 * key, so the owner's table reveals nothing of a body (a connection's credentials).
 */
export function fingerprintOf(key: string, method: string, url: string, body: unknown): string {
  return createHmac('sha256', key)
    .update(`${method.toUpperCase()} ${url}\n${canonicalJson(body)}`)
    .digest('hex');
}

/** JSON with object keys sorted at every level; `undefined` (no body) is its own value. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return '';
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const name of Object.keys(value).sort()) sorted[name] = sortKeys((value as Record<string, unknown>)[name]);
  return sorted;
}
