import { headers as natsHeaders, type MsgHdrs } from 'nats';
import { childTraceparent, messageContext, type MessageContext } from '@junction/platform/ports';

/** Header names carried by every message. */
export const H = {
  traceparent: 'traceparent',
  workspaceId: 'workspace-id',
  schema: 'junction-schema',
  deadline: 'junction-deadline',
} as const;

/** Version of the envelope and header layout below; payload versions live in the subject (`.v1`). */
export const WIRE_SCHEMA = '1';

/** Headers for an outgoing message: a child span of the current trace, and the tenant. */
export function outgoingHeaders(workspaceId?: string): MsgHdrs {
  const current = messageContext.current();
  const h = natsHeaders();
  h.set(H.traceparent, childTraceparent(current?.traceparent));
  const ws = workspaceId ?? current?.workspaceId;
  if (ws) h.set(H.workspaceId, ws);
  h.set(H.schema, WIRE_SCHEMA);
  return h;
}

export function incomingContext(h: MsgHdrs | undefined): MessageContext {
  const traceparent = h?.get(H.traceparent) || childTraceparent();
  const workspaceId = h?.get(H.workspaceId) || undefined;
  return workspaceId ? { traceparent, workspaceId } : { traceparent };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function decodeJson(data: Uint8Array): unknown {
  return JSON.parse(decoder.decode(data));
}
