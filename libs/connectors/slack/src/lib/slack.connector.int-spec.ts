import { AuthError, RateLimitedError } from '@junction/connector-sdk';
import { FakeThirdParty, runAction } from '@junction/connector-sdk/testing';
import { slackConnector, slackEvent } from './slack.connector';

// The example from Slack's "Verifying requests from Slack" documentation.
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TS = '1531420618';
const BODY = Buffer.from(
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
);
const SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const NOW = Number(TS) * 1000 + 10_000;

const verify = (headers: Record<string, string>, body = BODY, nowMs = NOW) => slackEvent.verify?.({ rawBody: body, headers }, { secret: SECRET, nowMs, config: {} });

describe('slack request signature (X-Slack-Signature v0)', () => {
  it('accepts the documented vector', () => {
    expect(verify({ 'x-slack-signature': SIGNATURE, 'x-slack-request-timestamp': TS })).toEqual({ ok: true });
  });

  it('refuses a wrong signature, a stale timestamp and a body changed by one byte', () => {
    expect(verify({ 'x-slack-signature': SIGNATURE.replace('a2114', 'a2115'), 'x-slack-request-timestamp': TS })).toMatchObject({ ok: false });
    expect(verify({ 'x-slack-signature': SIGNATURE, 'x-slack-request-timestamp': TS }, BODY, Number(TS) * 1000 + 6 * 60_000)).toMatchObject({ ok: false, reason: /tolerance/ });
    const changed = Buffer.from(BODY);
    changed[10] ^= 1;
    expect(verify({ 'x-slack-signature': SIGNATURE, 'x-slack-request-timestamp': TS }, changed)).toMatchObject({ ok: false });
  });

  it('dedupes Events API deliveries by event_id', () => {
    expect(slackEvent.dedupeKey?.({ rawBody: Buffer.from('{"event_id":"Ev0PV52K21","type":"event_callback"}'), headers: {} }, {})).toBe('Ev0PV52K21');
  });
});

describe('slack actions against a fake API', () => {
  const api = new FakeThirdParty();

  beforeAll(async () => {
    await api.start();
    api.on('POST', '/chat.postMessage', (req) => {
      const body = req.json as { channel: string; text: string };
      if (body.channel === 'C_LIMIT') return { json: { ok: false, error: 'ratelimited' } };
      if (body.channel === 'C_AUTH') return { json: { ok: false, error: 'invalid_auth' } };
      if (body.channel === 'C_429') return { status: 429, headers: { 'retry-after': '30' }, json: { ok: false, error: 'ratelimited' } };
      if (body.channel === 'C_WAIT') return { headers: { 'retry-after': '7' }, json: { ok: false, error: 'rate_limited' } };
      return { json: { ok: true, channel: body.channel, ts: '1700000000.000100' } };
    });
  });

  afterAll(() => api.close());

  it('posts a message', async () => {
    const out = await runAction(slackConnector, 'post_message', {
      input: { baseUrl: api.url, channel: 'C1', text: 'New issue' },
      credentials: { kind: 'bearer', token: 'xoxb-1' },
      allowedHosts: [api.url],
    });
    expect(out).toMatchObject({ channel: 'C1', ts: '1700000000.000100' });
    expect(api.requests[0].headers.authorization).toBe('Bearer xoxb-1');
  });

  it('posts Block Kit blocks as written, with text as the fallback', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*New issue*' } }];
    await runAction(slackConnector, 'post_message', {
      input: { baseUrl: api.url, channel: 'C2', text: 'New issue', blocks, threadTs: '1.2' },
      credentials: { kind: 'bearer', token: 'xoxb-1' },
      allowedHosts: [api.url],
    });
    expect(api.requests.at(-1)?.json).toEqual({ channel: 'C2', text: 'New issue', blocks, thread_ts: '1.2' });
  });

  it('maps ok:false errors to typed errors', async () => {
    const credentials = { kind: 'bearer' as const, token: 'xoxb-1' };
    await expect(
      runAction(slackConnector, 'post_message', { input: { baseUrl: api.url, channel: 'C_LIMIT', text: 'x' }, credentials, allowedHosts: [api.url] }),
    ).rejects.toBeInstanceOf(RateLimitedError);
    await expect(
      runAction(slackConnector, 'post_message', { input: { baseUrl: api.url, channel: 'C_AUTH', text: 'x' }, credentials, allowedHosts: [api.url] }),
    ).rejects.toBeInstanceOf(AuthError);
  });

  it('waits what Slack says: a 429’s Retry-After, or the Retry-After of an ok:false rate limit', async () => {
    const credentials = { kind: 'bearer' as const, token: 'xoxb-1' };
    const post = (channel: string) => runAction(slackConnector, 'post_message', { input: { baseUrl: api.url, channel, text: 'x' }, credentials, allowedHosts: [api.url] });
    await expect(post('C_429')).rejects.toMatchObject({ kind: 'rate_limited', retryAfterMs: 30_000, status: 429 });
    await expect(post('C_WAIT')).rejects.toMatchObject({ kind: 'rate_limited', retryAfterMs: 7_000 });
    await expect(post('C_LIMIT')).rejects.toMatchObject({ kind: 'rate_limited', retryAfterMs: 1_000 });
  });
});
