import {
  FatalError,
  RetryableError,
  Type,
  defineAction,
  defineConnector,
  defineTrigger,
  errorFromResponse,
  hmac,
  safeEqual,
  withinTolerance,
  type ActionContext,
  type ConnectorError,
} from '@junction/connector-sdk';

const BaseUrl = Type.Optional(Type.String({ format: 'uri', default: 'https://api.stripe.com' }));

async function stripe(ctx: ActionContext<{ baseUrl?: string }>, method: 'GET' | 'POST', path: string, form?: Record<string, string>) {
  if (ctx.credentials.kind !== 'bearer') throw new FatalError('the stripe connector needs a secret key (bearer) connection');
  const res = await ctx.http.request({
    method,
    url: `${ctx.input.baseUrl ?? 'https://api.stripe.com'}${path}`,
    // Stripe honours Idempotency-Key on POST: a retried create returns the first result
    headers: { authorization: `Bearer ${ctx.credentials.token}`, ...(method === 'POST' ? { 'idempotency-key': ctx.idempotencyKey } : {}) },
    ...(form ? { body: { form } } : {}),
    signal: ctx.signal,
  });
  const error = errorFromResponse(res.status, res.headers, res.body, `Stripe ${method} ${path}`);
  if (error) throw stripeAdvice(error, res.headers['stripe-should-retry']);
  return res.body as Record<string, unknown>;
}

/**
 * Stripe says in `Stripe-Should-Retry` whether retrying can help (a lock timeout's 409 can, some
 * 5xx cannot); its word overrides the status, and a 429 stays a rate limit with its own wait.
 */
export function stripeAdvice(error: ConnectorError, advice: string | string[] | undefined): ConnectorError {
  const word = (Array.isArray(advice) ? advice[0] : advice)?.trim().toLowerCase();
  if (word === 'true' && error.kind === 'fatal') return new RetryableError(`${error.message} (Stripe-Should-Retry: true)`, error.status, error.responseBody);
  if (word === 'false' && error.kind === 'retryable') return new FatalError(`${error.message} (Stripe-Should-Retry: false)`, error.status, error.responseBody);
  return error;
}

const Customer = Type.Object({ id: Type.String(), object: Type.Literal('customer'), email: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: true });

export const createCustomer = defineAction({
  key: 'create_customer',
  displayName: 'Create customer',
  // Stripe honours Idempotency-Key on POST
  idempotent: 'key',
  input: Type.Object(
    { baseUrl: BaseUrl, email: Type.String({ format: 'email' }), name: Type.Optional(Type.String()), description: Type.Optional(Type.String()) },
    { additionalProperties: false },
  ),
  output: Customer,
  async run(ctx) {
    const { email, name, description } = ctx.input;
    const form: Record<string, string> = { email };
    if (name) form.name = name;
    if (description) form.description = description;
    return (await stripe(ctx, 'POST', '/v1/customers', form)) as typeof Customer.static;
  },
});

export const retrieveCustomer = defineAction({
  key: 'retrieve_customer',
  displayName: 'Retrieve customer',
  // a read
  idempotent: true,
  input: Type.Object({ baseUrl: BaseUrl, id: Type.String({ pattern: '^cus_[A-Za-z0-9]+$' }) }, { additionalProperties: false }),
  output: Customer,
  async run(ctx) {
    return (await stripe(ctx, 'GET', `/v1/customers/${ctx.input.id}`)) as typeof Customer.static;
  },
});

/**
 * Stripe signs `<t>.<raw body>` with HMAC-SHA256; `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`
 * (several v1 during secret rotation). Default tolerance 300 s, as Stripe's libraries use.
 */
export function verifyStripeSignature(
  header: string | undefined,
  rawBody: Buffer,
  secret: string,
  nowMs: number,
  toleranceSeconds = 300,
): { ok: true } | { ok: false; reason: string } {
  if (!header) return { ok: false, reason: 'missing Stripe-Signature header' };
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  const v1 = parts.filter(([k]) => k === 'v1').map(([, v]) => v ?? '');
  if (!t || !/^\d+$/.test(t) || v1.length === 0) return { ok: false, reason: 'malformed Stripe-Signature header' };
  if (!withinTolerance(Number(t), nowMs, toleranceSeconds)) return { ok: false, reason: 'timestamp outside the tolerance (replay?)' };
  const expected = hmac('sha256', secret, Buffer.concat([Buffer.from(`${t}.`), rawBody]), 'hex');
  return v1.some((sig) => safeEqual(sig, expected)) ? { ok: true } : { ok: false, reason: 'signature does not match' };
}

export const stripeEvent = defineTrigger({
  kind: 'webhook',
  key: 'event',
  displayName: 'Stripe event',
  config: Type.Object(
    { types: Type.Optional(Type.Array(Type.String())), toleranceSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })) },
    { additionalProperties: false },
  ),
  output: Type.Object({ id: Type.String(), type: Type.String(), data: Type.Unknown() }, { additionalProperties: true }),
  verify: (req, { secret, nowMs, config }) => verifyStripeSignature(req.headers['stripe-signature'], req.rawBody, secret, nowMs, config.toleranceSeconds),
  // the event id (evt_…) is the same on every redelivery of one event
  dedupeKey(req) {
    try {
      const id = (JSON.parse(req.rawBody.toString('utf8')) as { id?: unknown }).id;
      return typeof id === 'string' ? id : undefined;
    } catch {
      return undefined;
    }
  },
});

export const stripeConnector = defineConnector({
  key: 'stripe',
  version: '1.0.0',
  displayName: 'Stripe',
  auth: [{ kind: 'bearer' }],
  // a recipe's baseUrl elsewhere gets the secret key only if the connection declares that host
  hosts: ['api.stripe.com'],
  actions: [createCustomer, retrieveCustomer],
  triggers: [stripeEvent],
});
