import type { OutgoingHttpHeaders } from 'node:http';

// set per request by the platform, never part of a replayed answer
const PER_REQUEST = new Set(['ratelimit', 'ratelimit-policy', 'retry-after', 'traceparent', 'tracestate', 'x-request-id', 'set-cookie', 'date', 'connection']);

/** The headers the route itself set (a `Location`, a recipe reply's headers), to be replayed with its body. */
export function handlerHeaders(before: OutgoingHttpHeaders, after: OutgoingHttpHeaders): Record<string, string> {
  const set: Record<string, string> = {};
  for (const [name, value] of Object.entries(after)) {
    if (value === undefined || PER_REQUEST.has(name) || before[name] === value) continue;
    set[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return set;
}
