import { randomUUID } from 'node:crypto';
import { FatalError, Type, defineAction, defineConnector, defineTrigger, errorFromResponse, hmac, safeEqual, withinTolerance, type Credentials } from '@junction/connector-sdk';

/** Secrets are `whsec_<base64>`; the HMAC key is the decoded bytes. */
export function secretKey(secret: string): Buffer {
  const raw = secret.startsWith('whsec_') ? secret.slice(6) : secret;
  const key = Buffer.from(raw, 'base64');
  if (key.length < 16) throw new FatalError('standard-webhooks secret must be whsec_ followed by at least 16 base64 bytes');
  return key;
}

/** `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>` (the Standard Webhooks spec). */
export function sign(secret: string, id: string, timestampSeconds: number, body: string | Buffer): string {
  const payload = Buffer.concat([Buffer.from(`${id}.${timestampSeconds}.`), Buffer.isBuffer(body) ? body : Buffer.from(body)]);
  return `v1,${hmac('sha256', secretKey(secret), payload, 'base64')}`;
}

export function verify(
  headers: Record<string, string | undefined>,
  rawBody: Buffer,
  secret: string,
  nowMs: number,
  toleranceSeconds = 300,
): { ok: true } | { ok: false; reason: string } {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !ts || !signatures) return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature' };
  if (!/^\d+$/.test(ts) || !withinTolerance(Number(ts), nowMs, toleranceSeconds)) return { ok: false, reason: 'timestamp outside the tolerance (replay?)' };
  const expected = sign(secret, id, Number(ts), rawBody);
  // several space-separated signatures may be sent while a secret is rotated
  return signatures.split(' ').some((s) => safeEqual(s.trim(), expected)) ? { ok: true } : { ok: false, reason: 'signature does not match' };
}

export const receive = defineTrigger({
  kind: 'webhook',
  key: 'receive',
  displayName: 'Receive a Standard Webhook',
  config: Type.Object({ toleranceSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })) }, { additionalProperties: false }),
  output: Type.Unknown(),
  verify: (req, { secret, nowMs, config }) => verify(req.headers, req.rawBody, secret, nowMs, config.toleranceSeconds),
  dedupeKey: (req) => req.headers['webhook-id'],
});

function signingSecretOf(credentials: Credentials): string {
  const fields = credentials.kind === 'custom' ? credentials.fields : {};
  const secret = fields.signingSecret ?? fields.webhookSecret ?? fields.secret;
  if (typeof secret !== 'string' || !secret.startsWith('whsec_')) {
    throw new FatalError('standard-webhooks.send needs a connection whose signingSecret is whsec_ followed by the base64 key');
  }
  return secret;
}

export const send = defineAction({
  key: 'send',
  displayName: 'Send a signed webhook',
  // the webhook-id is derived from the key: receivers dedupe on it
  idempotent: 'key',
  description:
    "POSTs JSON with webhook-id, webhook-timestamp and webhook-signature headers, signed with the signingSecret of the step's connection; the id is stable across retries of the step.",
  input: Type.Object(
    {
      url: Type.String({ format: 'uri' }),
      payload: Type.Unknown(),
      /** Refused: kept in the schema only so an old recipe gets a message saying where the secret went. */
      secret: Type.Optional(Type.String({ description: 'no longer accepted: the signing secret belongs in a connection (signingSecret)' })),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({ status: Type.Integer(), webhookId: Type.String() }),
  sensitive: ['input.secret'],
  async run(ctx) {
    if (ctx.input.secret !== undefined) {
      throw new FatalError(
        'standard-webhooks.send no longer takes its signing secret in the step input: create a standard-webhooks connection with credentials { signingSecret: "whsec_…" } and name it in the step\'s connection',
      );
    }
    const secret = signingSecretOf(ctx.credentials);
    const id = `msg_${ctx.idempotencyKey.replace(/[^A-Za-z0-9_-]/g, '_') || randomUUID()}`;
    const ts = Math.floor(Date.now() / 1000);
    const body = JSON.stringify(ctx.input.payload ?? null);
    const res = await ctx.http.request({
      method: 'POST',
      url: ctx.input.url,
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sign(secret, id, ts, body) },
      body: { text: body, contentType: 'application/json' },
      signal: ctx.signal,
    });
    const error = errorFromResponse(res.status, res.headers, res.body, 'webhook delivery');
    if (error) throw error;
    return { status: res.status, webhookId: id };
  },
});

export const standardWebhooksConnector = defineConnector({
  key: 'standard-webhooks',
  version: '1.0.0',
  displayName: 'Standard Webhooks',
  description: 'Verify inbound and sign outbound deliveries per the Standard Webhooks specification.',
  // receive reads the signing secret from the connection the trigger names; send from the step's connection
  auth: [{ kind: 'none' }, { kind: 'custom', fields: Type.Object({ signingSecret: Type.String({ pattern: '^whsec_', writeOnly: true, title: 'Signing secret' }) }) }],
  actions: [send],
  triggers: [receive],
});
