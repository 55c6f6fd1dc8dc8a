import { createHmac, randomBytes } from 'node:crypto';
import { signApprovalLink, verifyApprovalLink } from './approval-links';

describe('approval links', () => {
  const key = randomBytes(32);
  const claims = { approvalId: 'apr_01JEXAMPLE0000000000000000', workspaceId: 'ws_1', decision: 'approve' as const, expiresAt: 1_800_000_000_000 };
  const token = signApprovalLink(key, claims);
  const [payload, signature] = token.split('.');
  const reencode = (change: Record<string, unknown>) =>
    Buffer.from(JSON.stringify({ ...(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as object), ...change })).toString('base64url');

  it('round-trips its claims and has the shape the gateway checks', () => {
    expect(verifyApprovalLink(key, token)).toEqual(claims);
    expect(token).toMatch(/^[A-Za-z0-9_-]{10,400}\.[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a changed decision, expiry, approval or workspace under the old signature', () => {
    for (const change of [{ d: 'reject' }, { e: claims.expiresAt + 1 }, { a: 'apr_01JEXAMPLE0000000000000001' }, { w: 'ws_2' }]) {
      expect(verifyApprovalLink(key, `${reencode(change)}.${signature}`)).toBeUndefined();
    }
  });

  it('refuses another key, a flipped signature, a truncated one and junk', () => {
    expect(verifyApprovalLink(randomBytes(32), token)).toBeUndefined();
    const flipped = signature.slice(0, 5) + (signature[5] === 'A' ? 'B' : 'A') + signature.slice(6);
    for (const bad of [`${payload}.${flipped}`, `${payload}.${signature.slice(0, 20)}`, payload, `.${signature}`, '', 'x'.repeat(600), `${payload}.${signature}.x`]) {
      expect(verifyApprovalLink(key, bad)).toBeUndefined();
    }
  });

  it('refuses a validly signed payload whose claims have the wrong types or are not JSON', () => {
    const sign = (raw: string) => {
      const body = Buffer.from(raw).toString('base64url');
      return `${body}.${createHmac('sha256', key).update(`junction.approval-link.v1.${body}`).digest('base64url')}`;
    };
    // the hand-made signing agrees with the real one
    expect(verifyApprovalLink(key, sign(JSON.stringify({ a: claims.approvalId, w: 'ws_1', d: 'reject', e: 5 })))).toEqual({ ...claims, decision: 'reject', expiresAt: 5 });
    for (const raw of [
      JSON.stringify({ a: 1, w: 'ws_1', d: 'approve', e: 5 }),
      JSON.stringify({ a: 'apr_x', w: 'ws_1', d: 'maybe', e: 5 }),
      JSON.stringify({ a: 'apr_x', w: 'ws_1', d: 'approve', e: 'soon' }),
      'not json',
      '[]',
    ]) {
      expect(verifyApprovalLink(key, sign(raw))).toBeUndefined();
    }
  });
});
