import { createHmac } from 'node:crypto';
import { FakeThirdParty, runAction } from '@junction/connector-sdk/testing';
import { stripeConnector, stripeEvent, verifyStripeSignature } from './stripe.connector';

const SECRET = 'whsec_test_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH';
const BODY = Buffer.from('{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","type":"customer.created"}');
const T = 1700000000;
// Precomputed once: HMAC-SHA256(SECRET, "1700000000." + BODY), hex — the v1 scheme of Stripe's docs.
const V1 = createHmac('sha256', SECRET).update(`${T}.`).update(BODY).digest('hex');
const AT_T = T * 1000 + 30_000; // 30 s after signing

describe('stripe webhook signature (Stripe-Signature t=…,v1=…)', () => {
  it('accepts a valid signature, also among several v1 values (secret rotation)', () => {
    expect(verifyStripeSignature(`t=${T},v1=${V1}`, BODY, SECRET, AT_T)).toEqual({ ok: true });
    expect(verifyStripeSignature(`t=${T},v1=${'0'.repeat(64)},v1=${V1},v0=abc`, BODY, SECRET, AT_T)).toEqual({ ok: true });
  });

  it('refuses a wrong signature, a stale timestamp and a body changed by one byte', () => {
    expect(verifyStripeSignature(`t=${T},v1=${V1.replace(/^./, V1[0] === 'a' ? 'b' : 'a')}`, BODY, SECRET, AT_T)).toMatchObject({ ok: false });
    expect(verifyStripeSignature(`t=${T},v1=${V1}`, BODY, SECRET, T * 1000 + 301_000)).toMatchObject({ ok: false, reason: /tolerance/ });
    const changed = Buffer.from(BODY);
    changed[changed.length - 2] ^= 1;
    expect(verifyStripeSignature(`t=${T},v1=${V1}`, changed, SECRET, AT_T)).toMatchObject({ ok: false });
    expect(verifyStripeSignature('garbage', BODY, SECRET, AT_T)).toMatchObject({ ok: false, reason: /malformed/ });
  });

  it('signs over the timestamp too: a replay with a fresh t fails', () => {
    expect(verifyStripeSignature(`t=${T + 60},v1=${V1}`, BODY, SECRET, AT_T)).toMatchObject({ ok: false });
  });

  it('dedupes by the event id', () => {
    expect(stripeEvent.dedupeKey?.({ rawBody: BODY, headers: {} }, {})).toBe('evt_1NG8Du2eZvKYlo2CUI79vXWy');
  });
});

describe('stripe actions against a fake API', () => {
  const api = new FakeThirdParty();

  beforeAll(async () => {
    await api.start();
    api.on('POST', '/v1/customers', (req) => ({ json: { id: 'cus_A1', object: 'customer', email: new URLSearchParams(req.body).get('email') } }));
  });

  afterAll(() => api.close());

  it('creates a customer form-encoded, with the step idempotency key', async () => {
    const out = await runAction(stripeConnector, 'create_customer', {
      input: { baseUrl: api.url, email: 'ann@example.com', name: 'Ann' },
      credentials: { kind: 'bearer', token: 'sk_test_1' },
      allowedHosts: [api.url],
      idempotencyKey: 'job9:create:1',
    });
    expect(out).toMatchObject({ id: 'cus_A1', email: 'ann@example.com' });
    const sent = api.requests[0];
    expect(sent.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(sent.headers['idempotency-key']).toBe('job9:create:1');
    expect(sent.body).toBe('email=ann%40example.com&name=Ann');
  });

  it('follows Stripe-Should-Retry over the status, and keeps a 429 a rate limit with its wait', async () => {
    const credentials = { kind: 'bearer' as const, token: 'sk_test_1' };
    const retrieve = (id: string) => runAction(stripeConnector, 'retrieve_customer', { input: { baseUrl: api.url, id }, credentials, allowedHosts: [api.url] });
    api
      .on('GET', '/v1/customers/cus_locked', { status: 409, headers: { 'stripe-should-retry': 'true' }, json: { error: { type: 'invalid_request_error', code: 'lock_timeout' } } })
      .on('GET', '/v1/customers/cus_conflict', { status: 409, json: { error: { type: 'idempotency_error' } } })
      .on('GET', '/v1/customers/cus_broken', { status: 500, headers: { 'stripe-should-retry': 'false' }, json: { error: { type: 'api_error' } } })
      .on('GET', '/v1/customers/cus_busy', { status: 429, headers: { 'stripe-should-retry': 'true', 'retry-after': '2' }, json: { error: { code: 'rate_limit' } } });
    await expect(retrieve('cus_locked')).rejects.toMatchObject({ kind: 'retryable', status: 409 });
    await expect(retrieve('cus_conflict')).rejects.toMatchObject({ kind: 'fatal', status: 409 });
    await expect(retrieve('cus_broken')).rejects.toMatchObject({ kind: 'fatal', status: 500 });
    await expect(retrieve('cus_busy')).rejects.toMatchObject({ kind: 'rate_limited', retryAfterMs: 2000 });
  });
});
