import { AsyncLocalStorage } from 'node:async_hooks';
import { randomHex } from './random-pool';

/** What travels with every request and message: W3C trace context and the tenant. */
export interface MessageContext {
  traceparent: string;
  workspaceId?: string;
}

const TRACEPARENT_RE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function parseTraceparent(value: string | undefined): { traceId: string; spanId: string; flags: string } | undefined {
  if (!value) return undefined;
  const m = TRACEPARENT_RE.exec(value.trim().toLowerCase());
  if (!m || /^0+$/.test(m[1]) || /^0+$/.test(m[2])) return undefined;
  return { traceId: m[1], spanId: m[2], flags: m[3] };
}

/** A child span of `parent` (same trace id, new span id), or the root of a new trace. */
export function childTraceparent(parent?: string): string {
  const parsed = parseTraceparent(parent);
  const traceId = parsed?.traceId ?? randomHex(16);
  const flags = parsed?.flags ?? '01';
  return `00-${traceId}-${randomHex(8)}-${flags}`;
}

export function traceIdOf(traceparent: string | undefined): string | undefined {
  return parseTraceparent(traceparent)?.traceId;
}

const storage = new AsyncLocalStorage<MessageContext>();

/** The context of the request or message being handled, carried through async calls. */
export const messageContext = {
  run<T>(context: MessageContext, fn: () => T): T {
    return storage.run(context, fn);
  },
  current(): MessageContext | undefined {
    return storage.getStore();
  },
};
