import { createHmac } from 'node:crypto';
import { inboundTrigger, type WebhookConfigType } from './webhook.connector';

const SECRET = 'shh-this-is-the-signing-secret';
const BODY = Buffer.from('{"order":{"id":17,"total":"12.50"}}');
const NOW = 1_700_000_000_000;
const TS = String(NOW / 1000 - 20);

const run = (config: WebhookConfigType, headers: Record<string, string>, body = BODY, nowMs = NOW) =>
  inboundTrigger.verify?.({ rawBody: body, headers }, { config, secret: SECRET, nowMs });

describe('generic webhook signature', () => {
  const sha256hex = createHmac('sha256', SECRET).update(BODY).digest('hex');
  const sha512b64 = createHmac('sha512', SECRET).update(BODY).digest('base64');
  const withTs = createHmac('sha256', SECRET).update(`${TS}.`).update(BODY).digest('hex');

  it.each([
    ['sha256 hex with prefix', { signature: { algorithm: 'sha256', header: 'X-Signature', encoding: 'hex', prefix: 'sha256=' } }, { 'x-signature': `sha256=${sha256hex}` }],
    ['sha512 base64', { signature: { algorithm: 'sha512', header: 'X-Sig', encoding: 'base64' } }, { 'x-sig': sha512b64 }],
    ['timestamped', { signature: { algorithm: 'sha256', header: 'X-Sig', encoding: 'hex', timestampHeader: 'X-Ts' } }, { 'x-sig': withTs, 'x-ts': TS }],
  ] as [string, WebhookConfigType, Record<string, string>][])('accepts %s', (_name, config, headers) => {
    expect(run(config, headers)).toEqual({ ok: true });
  });

  it('refuses a wrong signature, a missing header, a changed byte and a stale timestamp', () => {
    const config: WebhookConfigType = { signature: { algorithm: 'sha256', header: 'X-Sig', encoding: 'hex', timestampHeader: 'X-Ts', toleranceSeconds: 60 } };
    expect(run(config, { 'x-sig': withTs.replace(/^./, withTs[0] === 'f' ? 'e' : 'f'), 'x-ts': TS })).toMatchObject({ ok: false });
    expect(run(config, { 'x-ts': TS })).toMatchObject({ ok: false, reason: /missing X-Sig/ });
    const changed = Buffer.from(BODY);
    changed[5] ^= 1;
    expect(run(config, { 'x-sig': withTs, 'x-ts': TS }, changed)).toMatchObject({ ok: false });
    expect(run(config, { 'x-sig': withTs, 'x-ts': TS }, BODY, NOW + 120_000)).toMatchObject({ ok: false, reason: /tolerance/ });
  });

  it('accepts any delivery when no signature is configured, and dedupes by the configured header', () => {
    expect(run({}, {})).toEqual({ ok: true });
    expect(inboundTrigger.dedupeKey?.({ rawBody: BODY, headers: { 'x-delivery': 'd-1' } }, { dedupeHeader: 'X-Delivery' })).toBe('d-1');
  });

  it('does not take the unsigned delivery-id header as the dedupe key of a signed hook', () => {
    const config = { signature: { algorithm: 'sha256' as const, header: 'x-sig', encoding: 'hex' as const }, dedupeHeader: 'X-Delivery' };
    expect(inboundTrigger.dedupeKey?.({ rawBody: BODY, headers: { 'x-delivery': 'd-1' } }, config)).toBeUndefined();
  });
});
