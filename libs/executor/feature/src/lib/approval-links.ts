import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ApprovalVerb } from '@junction/executor/contracts';

/** What a signed approval link carries: which approval, which decision, until when, in which workspace. */
export interface ApprovalLinkClaims {
  approvalId: string;
  workspaceId: string;
  decision: ApprovalVerb;
  /** Epoch ms. */
  expiresAt: number;
}

const CONTEXT = 'junction.approval-link.v1.';

const sign = (key: Buffer, payload: string) =>
  createHmac('sha256', key)
    .update(CONTEXT + payload)
    .digest('base64url');

/** `<base64url JSON>.<base64url HMAC-SHA256>`: the signature covers the context string and the payload. */
export function signApprovalLink(key: Buffer, claims: ApprovalLinkClaims): string {
  const payload = Buffer.from(JSON.stringify({ a: claims.approvalId, w: claims.workspaceId, d: claims.decision, e: claims.expiresAt })).toString('base64url');
  return `${payload}.${sign(key, payload)}`;
}

/** The claims of a token signed with `key`, or undefined for anything else (malformed, tampered, another key). */
export function verifyApprovalLink(key: Buffer, token: string): ApprovalLinkClaims | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > 500) return undefined;
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = Buffer.from(sign(key, payload), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const { a, w, d, e } = raw;
    if (typeof a !== 'string' || typeof w !== 'string' || (d !== 'approve' && d !== 'reject') || typeof e !== 'number') return undefined;
    return { approvalId: a, workspaceId: w, decision: d, expiresAt: e };
  } catch {
    return undefined;
  }
}
