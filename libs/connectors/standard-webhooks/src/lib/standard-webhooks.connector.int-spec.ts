import { FakeThirdParty, runAction } from '@junction/connector-sdk/testing';
import { sign, standardWebhooksConnector, verify } from './standard-webhooks.connector';

// The example of the Standard Webhooks specification.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TS = 1614265330;
const BODY = Buffer.from('{"test": 2432232314}');
const SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const NOW = TS * 1000 + 5000;
const headers = (signature = SIGNATURE, ts = String(TS)) => ({ 'webhook-id': ID, 'webhook-timestamp': ts, 'webhook-signature': signature });

describe('Standard Webhooks', () => {
  it('signs the specification example exactly', () => {
    expect(sign(SECRET, ID, TS, BODY)).toBe(SIGNATURE);
  });

  it('verifies it, also among several signatures', () => {
    expect(verify(headers(), BODY, SECRET, NOW)).toEqual({ ok: true });
    expect(verify(headers(`v1,AAAA ${SIGNATURE}`), BODY, SECRET, NOW)).toEqual({ ok: true });
  });

  it('refuses a wrong signature, a stale timestamp and a body changed by one byte', () => {
    expect(verify(headers('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OF='), BODY, SECRET, NOW)).toMatchObject({ ok: false });
    expect(verify(headers(), BODY, SECRET, NOW + 10 * 60_000)).toMatchObject({ ok: false, reason: /tolerance/ });
    expect(verify(headers(), Buffer.from('{"test": 2432232315}'), SECRET, NOW)).toMatchObject({ ok: false });
  });

  it('sends a delivery the receiver can verify, with a webhook-id stable per attempt group', async () => {
    const sink = new FakeThirdParty();
    await sink.start();
    sink.on('POST', '/hook', { status: 204 });
    const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
    const out = await runAction(standardWebhooksConnector, 'send', {
      input: { url: `${sink.url}/hook`, payload: { order: 7 } },
      credentials: { kind: 'custom', fields: { signingSecret: secret } },
      idempotencyKey: 'job1:notify:1',
    });
    expect(out).toEqual({ status: 204, webhookId: 'msg_job1_notify_1' });
    const received = sink.requests[0];
    const h = received.headers as Record<string, string>;
    expect(verify(h, Buffer.from(received.body), secret, Date.now())).toEqual({ ok: true });
    await sink.close();
  });

  it('refuses a signing secret in the step input (old recipes) with a message naming the connection field, sending nothing', async () => {
    const sink = new FakeThirdParty();
    await sink.start();
    sink.on('POST', '/hook', { status: 204 });
    const old = runAction(standardWebhooksConnector, 'send', { input: { url: `${sink.url}/hook`, payload: {}, secret: SECRET } });
    await expect(old).rejects.toThrow(/connection .*signingSecret/);
    await expect(runAction(standardWebhooksConnector, 'send', { input: { url: `${sink.url}/hook`, payload: {} } })).rejects.toThrow(/needs a connection/);
    expect(sink.requests).toHaveLength(0);
    await sink.close();
  });
});
