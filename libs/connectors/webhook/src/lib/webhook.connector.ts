import { Type, defineConnector, defineTrigger, hmac, safeEqual, withinTolerance, type Static } from '@junction/connector-sdk';

export const WebhookConfig = Type.Object(
  {
    /** No signature check when absent: any delivery to the unguessable URL is accepted. */
    signature: Type.Optional(
      Type.Object(
        {
          algorithm: Type.Union([Type.Literal('sha256'), Type.Literal('sha512'), Type.Literal('sha1')], {
            default: 'sha256',
            description: 'sha1 only for senders that offer nothing better',
          }),
          header: Type.String({ minLength: 1, description: 'header carrying the signature, e.g. x-signature' }),
          encoding: Type.Union([Type.Literal('hex'), Type.Literal('base64')], { default: 'hex' }),
          prefix: Type.Optional(Type.String({ description: 'text before the digest, e.g. sha256=' })),
          timestampHeader: Type.Optional(Type.String({ description: 'header with the unix time the sender signed at; signed payload is then `<timestamp>.<body>`' })),
          toleranceSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400, default: 300 })),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * Header whose value is the delivery id (the dedupe key) of unsigned hooks. With a signature
     * the header is not covered by it, so the body hash is the key: a captured delivery replayed
     * with a fresh id is the same event.
     */
    dedupeHeader: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export type WebhookConfigType = Static<typeof WebhookConfig>;

export const inboundTrigger = defineTrigger({
  kind: 'webhook',
  key: 'inbound',
  displayName: 'Inbound webhook',
  description: 'Any HTTP POST to the recipe URL, optionally HMAC-verified over the raw body.',
  config: WebhookConfig,
  output: Type.Object({ headers: Type.Record(Type.String(), Type.String()), body: Type.Unknown() }),
  verify(req, { config, secret, nowMs }) {
    const sig = config.signature;
    if (!sig) return { ok: true };
    const given = req.headers[sig.header.toLowerCase()];
    if (!given) return { ok: false, reason: `missing ${sig.header} header` };
    let signed: Buffer = req.rawBody;
    if (sig.timestampHeader) {
      const ts = req.headers[sig.timestampHeader.toLowerCase()];
      if (!ts || !/^\d+$/.test(ts)) return { ok: false, reason: `missing or malformed ${sig.timestampHeader} header` };
      if (!withinTolerance(Number(ts), nowMs, sig.toleranceSeconds ?? 300)) return { ok: false, reason: 'timestamp outside the tolerance (replay?)' };
      signed = Buffer.concat([Buffer.from(`${ts}.`), req.rawBody]);
    }
    const expected = `${sig.prefix ?? ''}${hmac(sig.algorithm ?? 'sha256', secret, signed, sig.encoding ?? 'hex')}`;
    return safeEqual(given.trim(), expected) ? { ok: true } : { ok: false, reason: 'signature does not match' };
  },
  dedupeKey(req, config) {
    if (config.signature) return undefined;
    return config.dedupeHeader ? req.headers[config.dedupeHeader.toLowerCase()] : undefined;
  },
});

export const webhookConnector = defineConnector({
  key: 'webhook',
  version: '1.0.0',
  displayName: 'Webhook',
  description: 'Generic inbound webhooks with configurable HMAC-SHA256/512 verification and replay protection.',
  auth: [{ kind: 'none' }, { kind: 'custom', fields: Type.Object({ signingSecret: Type.String({ minLength: 8, writeOnly: true, title: 'Signing secret' }) }) }],
  actions: [],
  triggers: [inboundTrigger],
});
