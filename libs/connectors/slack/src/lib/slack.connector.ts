import {
  AuthError,
  FatalError,
  RateLimitedError,
  Type,
  defineAction,
  defineConnector,
  defineTrigger,
  errorFromResponse,
  hmac,
  rateLimitWaitMs,
  safeEqual,
  withinTolerance,
  type ActionContext,
} from '@junction/connector-sdk';

const BaseUrl = Type.Optional(Type.String({ format: 'uri', default: 'https://slack.com/api' }));
const AUTH_ERRORS = new Set(['invalid_auth', 'not_authed', 'token_revoked', 'token_expired', 'account_inactive', 'missing_scope']);

/** Slack answers 200 with `{ ok: false, error }` for most failures: map those like HTTP errors. */
async function slack(ctx: ActionContext<{ baseUrl?: string }>, method: string, json: unknown) {
  if (ctx.credentials.kind !== 'bearer' && ctx.credentials.kind !== 'oauth2') throw new FatalError('the slack connector needs a bot token connection');
  const token = ctx.credentials.kind === 'bearer' ? ctx.credentials.token : ctx.credentials.accessToken;
  const res = await ctx.http.request({
    method: 'POST',
    url: `${ctx.input.baseUrl ?? 'https://slack.com/api'}/${method}`,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
    body: { json },
    signal: ctx.signal,
  });
  const httpError = errorFromResponse(res.status, res.headers, res.body, `Slack ${method}`);
  if (httpError) throw httpError;
  const body = res.body as { ok?: boolean; error?: string };
  if (body.ok) return body as Record<string, unknown>;
  // a 429 is mapped above with its Retry-After; some methods answer 200 with the error instead, Retry-After still set when Slack knows the wait
  if (body.error === 'ratelimited' || body.error === 'rate_limited') throw new RateLimitedError(rateLimitWaitMs(res.headers) ?? 1000, `Slack ${method}: ${body.error}`, 200, body);
  if (body.error && AUTH_ERRORS.has(body.error)) throw new AuthError(`Slack ${method}: ${body.error}`, 200, body);
  throw new FatalError(`Slack ${method}: ${body.error ?? 'unknown error'}`, 200, body);
}

export const postMessage = defineAction({
  key: 'post_message',
  displayName: 'Post message',
  // Slack has no idempotency keys: a repeat posts twice
  idempotent: false,
  input: Type.Object(
    {
      baseUrl: BaseUrl,
      channel: Type.String({ minLength: 1 }),
      /** The message, and with blocks the notification's fallback (Slack asks for it either way). */
      text: Type.String({ minLength: 1, maxLength: 40_000 }),
      /** Block Kit layout, passed to Slack as written (what its Block Kit Builder produces). */
      blocks: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()), { minItems: 1, maxItems: 50 })),
      threadTs: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({ channel: Type.String(), ts: Type.String() }, { additionalProperties: true }),
  async run(ctx) {
    const { channel, text, blocks, threadTs } = ctx.input;
    return (await slack(ctx, 'chat.postMessage', { channel, text, ...(blocks ? { blocks } : {}), ...(threadTs ? { thread_ts: threadTs } : {}) })) as {
      channel: string;
      ts: string;
    };
  },
});

export const addReaction = defineAction({
  key: 'add_reaction',
  displayName: 'Add reaction',
  // a reaction is set once (a repeat is refused as already_reacted)
  idempotent: true,
  input: Type.Object({ baseUrl: BaseUrl, channel: Type.String(), timestamp: Type.String(), name: Type.String({ pattern: '^[a-z0-9_+-]+$' }) }, { additionalProperties: false }),
  output: Type.Object({ ok: Type.Boolean() }, { additionalProperties: true }),
  async run(ctx) {
    const { channel, timestamp, name } = ctx.input;
    return (await slack(ctx, 'reactions.add', { channel, timestamp, name })) as { ok: boolean };
  },
});

/** Slack signs `v0:<timestamp>:<raw body>` with HMAC-SHA256 → `X-Slack-Signature: v0=<hex>`; 5-minute replay window. */
export const slackEvent = defineTrigger({
  kind: 'webhook',
  key: 'event',
  displayName: 'Events API / slash command',
  config: Type.Object({}, { additionalProperties: false }),
  output: Type.Unknown(),
  verify(req, { secret, nowMs }) {
    const ts = req.headers['x-slack-request-timestamp'];
    const given = req.headers['x-slack-signature'];
    if (!ts || !given) return { ok: false, reason: 'missing X-Slack-Signature or X-Slack-Request-Timestamp' };
    if (!/^\d+$/.test(ts) || !withinTolerance(Number(ts), nowMs, 300)) return { ok: false, reason: 'timestamp outside the tolerance (replay?)' };
    const expected = `v0=${hmac('sha256', secret, Buffer.concat([Buffer.from(`v0:${ts}:`), req.rawBody]), 'hex')}`;
    return safeEqual(given, expected) ? { ok: true } : { ok: false, reason: 'signature does not match' };
  },
  dedupeKey(req) {
    try {
      const id = (JSON.parse(req.rawBody.toString('utf8')) as { event_id?: unknown }).event_id;
      return typeof id === 'string' ? id : undefined;
    } catch {
      return undefined; // slash commands are form-encoded and have no event id: the body hash is used
    }
  },
});

export const slackConnector = defineConnector({
  key: 'slack',
  version: '1.0.0',
  displayName: 'Slack',
  auth: [
    { kind: 'bearer' },
    {
      kind: 'oauth2',
      grant: 'authorization_code',
      authorizeUrl: 'https://slack.com/oauth/v2/authorize',
      tokenUrl: 'https://slack.com/api/oauth.v2.access',
      scopes: ['chat:write', 'reactions:write'],
    },
  ],
  hosts: ['slack.com'],
  actions: [postMessage, addReaction],
  triggers: [slackEvent],
});
