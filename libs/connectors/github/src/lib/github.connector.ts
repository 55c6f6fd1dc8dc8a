import {
  FatalError,
  RateLimitedError,
  Type,
  defineAction,
  defineConnector,
  defineTrigger,
  errorFromResponse,
  hmac,
  parseRateLimitReset,
  parseRetryAfter,
  rateLimitExhausted,
  safeEqual,
  type ActionContext,
  type ConnectorError,
  type HttpResponse,
} from '@junction/connector-sdk';

/** GitHub asks for at least a minute after a secondary limit that names no wait. */
const SECONDARY_LIMIT_WAIT_MS = 60_000;
const SECONDARY_LIMIT = /secondary rate limit|abuse detection/i;

/**
 * GitHub's limits the way its documentation describes them: the primary limit is a 403 or 429 with
 * `x-ratelimit-remaining: 0`, waited out until `x-ratelimit-reset` (the SDK's mapping); a secondary
 * limit is a 403 or 429 whose message says so, waited out for `retry-after`, else until the reset if
 * the quota is spent too, else a minute. The reset header rides on every answer, so it is not
 * the wait of a secondary limit while quota remains.
 */
export function githubError(res: Pick<HttpResponse, 'status' | 'headers' | 'body'>, what: string, now = Date.now()): ConnectorError | undefined {
  const message = typeof (res.body as { message?: unknown } | undefined)?.message === 'string' ? (res.body as { message: string }).message : '';
  if ((res.status === 403 || res.status === 429) && SECONDARY_LIMIT.test(message)) {
    const waitMs =
      parseRetryAfter(res.headers['retry-after'], now) ?? (rateLimitExhausted(res.headers) ? parseRateLimitReset(res.headers, now) : undefined) ?? SECONDARY_LIMIT_WAIT_MS;
    return new RateLimitedError(waitMs, `${what} hit GitHub's secondary rate limit (HTTP ${res.status}); retry after ${waitMs} ms`, res.status, res.body);
  }
  return errorFromResponse(res.status, res.headers, res.body, what);
}

const BaseUrl = Type.Optional(Type.String({ format: 'uri', default: 'https://api.github.com', description: 'GitHub Enterprise: https://<host>/api/v3' }));
const Repo = { owner: Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }), repo: Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }) };

async function github(ctx: ActionContext<{ baseUrl?: string }>, method: 'GET' | 'POST', path: string, json?: unknown) {
  if (ctx.credentials.kind !== 'bearer') throw new FatalError('the github connector needs a bearer token connection');
  const res = await ctx.http.request({
    method,
    url: `${ctx.input.baseUrl ?? 'https://api.github.com'}${path}`,
    headers: { authorization: `Bearer ${ctx.credentials.token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'junction' },
    ...(json === undefined ? {} : { body: { json } }),
    signal: ctx.signal,
  });
  const error = githubError(res, `GitHub ${method} ${path}`);
  if (error) throw error;
  return res.body as Record<string, unknown>;
}

const IssueOut = Type.Object({ id: Type.Integer(), number: Type.Integer(), html_url: Type.String() }, { additionalProperties: true });

export const createIssue = defineAction({
  key: 'create_issue',
  displayName: 'Create issue',
  // GitHub has no idempotency keys: a repeat opens a second issue
  idempotent: false,
  input: Type.Object(
    { baseUrl: BaseUrl, ...Repo, title: Type.String({ minLength: 1, maxLength: 256 }), body: Type.Optional(Type.String()), labels: Type.Optional(Type.Array(Type.String())) },
    { additionalProperties: false },
  ),
  output: IssueOut,
  async run(ctx) {
    const { owner, repo, title, body, labels } = ctx.input;
    return (await github(ctx, 'POST', `/repos/${owner}/${repo}/issues`, { title, body, labels })) as typeof IssueOut.static;
  },
});

export const createComment = defineAction({
  key: 'create_comment',
  displayName: 'Comment on an issue or pull request',
  // a repeat posts a second comment
  idempotent: false,
  input: Type.Object({ baseUrl: BaseUrl, ...Repo, issueNumber: Type.Integer({ minimum: 1 }), body: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  output: Type.Object({ id: Type.Integer(), html_url: Type.String() }, { additionalProperties: true }),
  async run(ctx) {
    const { owner, repo, issueNumber, body } = ctx.input;
    return (await github(ctx, 'POST', `/repos/${owner}/${repo}/issues/${issueNumber}/comments`, { body })) as { id: number; html_url: string };
  },
});

export const getUser = defineAction({
  key: 'get_user',
  displayName: 'Get a user',
  // a read
  idempotent: true,
  input: Type.Object({ baseUrl: BaseUrl, login: Type.String({ pattern: '^[A-Za-z0-9-]+$' }) }, { additionalProperties: false }),
  output: Type.Object({ login: Type.String(), id: Type.Integer() }, { additionalProperties: true }),
  async run(ctx) {
    return (await github(ctx, 'GET', `/users/${ctx.input.login}`)) as { login: string; id: number };
  },
});

/** GitHub signs the raw body with HMAC-SHA256 in `X-Hub-Signature-256: sha256=<hex>`; `X-GitHub-Delivery` is unique per delivery. */
export const webhookEvent = defineTrigger({
  kind: 'webhook',
  key: 'webhook_event',
  displayName: 'Repository or organisation webhook',
  config: Type.Object(
    {
      events: Type.Optional(Type.Array(Type.String(), { description: 'accept only these X-GitHub-Event values' })),
      /** With owner and repo, starting the recipe registers the hook on the repository and stopping it removes it. */
      owner: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]+$' })),
      repo: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]+$' })),
      baseUrl: BaseUrl,
    },
    { additionalProperties: false },
  ),
  output: Type.Object({ event: Type.String(), payload: Type.Unknown() }),
  async onEnable({ config, credentials, http, webhookUrl, signingSecret, signal }) {
    if (!config.owner || !config.repo) return {};
    if (credentials.kind !== 'bearer') throw new FatalError('registering a GitHub hook needs a bearer token connection');
    if (!signingSecret) throw new FatalError('registering a GitHub hook needs a signingSecret in the connection');
    const res = await http.request({
      method: 'POST',
      url: `${config.baseUrl ?? 'https://api.github.com'}/repos/${config.owner}/${config.repo}/hooks`,
      headers: { authorization: `Bearer ${credentials.token}`, accept: 'application/vnd.github+json', 'user-agent': 'junction' },
      body: { json: { name: 'web', active: true, events: config.events ?? ['*'], config: { url: webhookUrl, content_type: 'json', secret: signingSecret, insecure_ssl: '0' } } },
      signal,
    });
    const error = githubError(res, 'GitHub create hook');
    if (error) throw error;
    return { externalId: String((res.body as { id: number }).id) };
  },
  async onDisable({ config, credentials, http, externalId, signal }) {
    if (!config.owner || !config.repo || !externalId || credentials.kind !== 'bearer') return;
    const res = await http.request({
      method: 'DELETE',
      url: `${config.baseUrl ?? 'https://api.github.com'}/repos/${config.owner}/${config.repo}/hooks/${encodeURIComponent(externalId)}`,
      headers: { authorization: `Bearer ${credentials.token}`, accept: 'application/vnd.github+json', 'user-agent': 'junction' },
      signal,
    });
    // already gone is what we wanted
    if (res.status === 404) return;
    const error = githubError(res, 'GitHub delete hook');
    if (error) throw error;
  },
  verify(req, { secret, config }) {
    const given = req.headers['x-hub-signature-256'];
    if (!given) return { ok: false, reason: 'missing X-Hub-Signature-256 header' };
    if (!safeEqual(given, `sha256=${hmac('sha256', secret, req.rawBody, 'hex')}`)) return { ok: false, reason: 'signature does not match' };
    const event = req.headers['x-github-event'];
    if (config.events && (!event || !config.events.includes(event))) return { ok: false, reason: `event ${event ?? '(none)'} not subscribed` };
    return { ok: true };
  },
  // X-GitHub-Delivery is not signed (only the body is): the body hash is the dedupe key, so a
  // captured delivery replayed with a fresh delivery id is still the same event
  dedupeKey: () => undefined,
});

export const githubConnector = defineConnector({
  key: 'github',
  version: '1.0.0',
  displayName: 'GitHub',
  auth: [{ kind: 'bearer' }],
  // GitHub Enterprise: the connection declares its host in allowedHosts
  hosts: ['api.github.com'],
  actions: [createIssue, createComment, getUser],
  triggers: [webhookEvent],
});
