import { headers as natsHeaders, type MsgHdrs } from 'nats';
import { childTraceparent, messageContext, outgoingTraceparent, type MessageContext } from '@junction/platform/ports';

/** Header names carried by every message. */
export const H = {
  traceparent: 'traceparent',
  workspaceId: 'workspace-id',
  schema: 'junction-schema',
  deadline: 'junction-deadline',
} as const;

/** Version of the envelope and header layout below; payload versions live in the subject (`.v1`). */
export const WIRE_SCHEMA = '1';

/** Headers for an outgoing message: the sender's trace context (`outgoingTraceparent`) and the tenant. */
export function outgoingHeaders(workspaceId?: string): MsgHdrs {
  const current = messageContext.current();
  const h = natsHeaders();
  h.set(H.traceparent, outgoingTraceparent());
  const ws = workspaceId ?? current?.workspaceId;
  if (ws) h.set(H.workspaceId, ws);
  h.set(H.schema, WIRE_SCHEMA);
  return h;
}

/** Span attributes of a message (OpenTelemetry messaging conventions); the subject is the contract's, without the namespace. */
export function messagingAttributes(subject: string): Record<string, string> {
  return { 'messaging.system': 'nats', 'messaging.destination.name': subject };
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
