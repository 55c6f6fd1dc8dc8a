import { createHash } from 'node:crypto';
import { apiRunDedupe, streamMsgId, webhookDedupe } from './webhook-dedupe';

const body = Buffer.from('{"beat":1}');
const hash = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const delivery = (headers: Record<string, string> = {}) => ({ rawBody: body, headers });
const unsigned = { signed: false };

describe('webhook dedupe key and window', () => {
  it('a body hash absorbs retries for 5 minutes by default, or for the recipe window, or not at all when off', () => {
    expect(webhookDedupe({ type: 'webhook' }, delivery(), unsigned)).toEqual({ key: hash('{"beat":1}'), source: 'body-hash', window: '5m', windowMs: 300_000 });
    expect(webhookDedupe({ type: 'webhook', dedupe: { window: '2s' } }, delivery(), unsigned)).toMatchObject({ window: '2s', windowMs: 2000 });
    const off = webhookDedupe({ type: 'webhook', dedupe: { window: 'off' } }, delivery(), unsigned);
    expect(off).toMatchObject({ source: 'none', window: 'off' });
    expect(off.windowMs).toBeUndefined();
    expect(webhookDedupe({ type: 'webhook', dedupe: { window: 'off' } }, delivery(), unsigned).key).not.toBe(off.key);
    // a definition stored before the schema knew windows: the default, never an error
    expect(webhookDedupe({ type: 'webhook', dedupe: { window: 'soon' } }, delivery(), unsigned)).toMatchObject({ window: '5m', windowMs: 300_000 });
  });

  it('an explicit key (provider id, configured header) lasts', () => {
    expect(webhookDedupe({ type: 'webhook' }, delivery(), { providerKey: 'evt_1', signed: true })).toEqual({ key: 'evt_1', source: 'provider', window: 'lasting' });
    expect(webhookDedupe({ type: 'webhook', dedupe: { key: 'header:X-Delivery' } }, delivery({ 'x-delivery': 'd-1' }), unsigned)).toEqual({
      key: 'd-1',
      source: 'header',
      window: 'lasting',
    });
    expect(webhookDedupe({ type: 'webhook', dedupeHeader: 'X-Delivery' }, delivery({ 'x-delivery': 'd-2' }), unsigned)).toMatchObject({ key: 'd-2', source: 'header' });
    // a delivery without the header falls back to the body hash and its window
    expect(webhookDedupe({ type: 'webhook', dedupe: { key: 'header:X-Delivery', window: '1m' } }, delivery(), unsigned)).toMatchObject({ source: 'body-hash', windowMs: 60_000 });
    const long = 'x'.repeat(5000);
    expect(webhookDedupe({ type: 'webhook', dedupeHeader: 'X-Delivery' }, delivery({ 'x-delivery': long }), unsigned).key).toBe(hash(long));
  });

  it('a signed delivery: the unsigned header is ignored, a hash without a timestamp lasts whatever the window says, a timestamped one hashes what was signed', () => {
    const signed = { signed: true };
    const trigger = { type: 'webhook', dedupe: { key: 'header:X-Delivery', window: '2s' }, signature: { header: 'x-sig' } };
    expect(webhookDedupe(trigger, delivery({ 'x-delivery': 'fresh-id' }), signed)).toEqual({ key: hash('{"beat":1}'), source: 'signed-body-hash', window: 'lasting' });
    const timestamped = { ...trigger, signature: { header: 'x-sig', timestampHeader: 'X-Ts' } };
    expect(webhookDedupe(timestamped, delivery({ 'x-ts': '1700000000' }), signed)).toEqual({ key: hash('1700000000.{"beat":1}'), source: 'signed-payload', window: 'lasting' });
  });

  it('a {{ }} key is handed to the executor with the body hash as its fallback; a signed hook ignores it', () => {
    expect(webhookDedupe({ type: 'webhook', dedupe: { key: '{{ trigger.body.id }}', window: '2s' } }, delivery(), unsigned)).toEqual({
      key: hash('{"beat":1}'),
      source: 'body-hash',
      window: '2s',
      windowMs: 2000,
      expression: 'trigger.body.id',
    });
    expect(webhookDedupe({ type: 'webhook', dedupe: { key: '{{ trigger.body.id }}' } }, delivery(), { signed: true }).expression).toBeUndefined();
  });

  it('the stream message id of a windowed key changes with its bucket; a lasting key has one id', () => {
    const windowed = webhookDedupe({ type: 'webhook', dedupe: { window: '2s' } }, delivery(), unsigned);
    expect(streamMsgId('r1', windowed, 10_000)).toBe(streamMsgId('r1', windowed, 11_999));
    expect(streamMsgId('r1', windowed, 12_000)).not.toBe(streamMsgId('r1', windowed, 11_999));
    const lasting = apiRunDedupe('k-1');
    expect(lasting).toEqual({ key: 'idem:k-1', source: 'idempotency-key', window: 'lasting' });
    expect(streamMsgId('r1', lasting, 10_000)).toBe(streamMsgId('r1', lasting, 999_999_999));
    expect(apiRunDedupe(undefined)).toMatchObject({ source: 'none', window: 'off' });
  });
});
