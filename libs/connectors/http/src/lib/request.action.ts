import {
  FatalError,
  Type,
  applyAuth,
  defineAction,
  errorFromResponse,
  type HttpBody,
  type HttpClient,
  type HttpRequest,
  type Credentials,
  type AuthSpec,
} from '@junction/connector-sdk';

const Method = Type.Union([
  Type.Literal('GET'),
  Type.Literal('POST'),
  Type.Literal('PUT'),
  Type.Literal('PATCH'),
  Type.Literal('DELETE'),
  Type.Literal('HEAD'),
  Type.Literal('OPTIONS'),
]);

export const RequestInput = Type.Object(
  {
    method: Method,
    url: Type.String({ format: 'uri', maxLength: 8192 }),
    query: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    /** The JSON to send (any JSON value), as `application/json`. */
    body: Type.Optional(Type.Unknown({ description: 'the JSON to send (any JSON value), as application/json' })),
    /** Fields sent URL-encoded (`application/x-www-form-urlencoded`). */
    form: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), { description: 'fields sent as application/x-www-form-urlencoded' }),
    ),
    /** A raw string sent as is, `text/plain` unless `contentType` says otherwise. */
    text: Type.Optional(Type.String({ description: 'a raw string sent as is (text/plain unless contentType says otherwise)' })),
    contentType: Type.Optional(Type.String({ minLength: 1, description: 'the content-type of text, e.g. application/xml' })),
    responseType: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('json'), Type.Literal('text')])),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 300_000 })),
    /** Treat these non-2xx statuses as results instead of errors (e.g. 404 for "exists?" checks). */
    acceptStatuses: Type.Optional(Type.Array(Type.Integer({ minimum: 100, maximum: 599 }))),
  },
  { additionalProperties: false },
);

export const ResponseOutput = Type.Object({
  status: Type.Integer(),
  headers: Type.Record(Type.String(), Type.Unknown()),
  body: Type.Unknown(),
});

export type RequestInputType = (typeof RequestInput)['static'];

const ENCODINGS = ['body', 'form', 'text'] as const;

/**
 * The one encoding the input asks for: `body` as JSON, `form` URL-encoded, `text` raw. Two at
 * once, or a `contentType` without `text`, is refused before anything is sent (which one was meant
 * cannot be guessed).
 */
export function requestBody(input: Pick<RequestInputType, 'body' | 'form' | 'text' | 'contentType'>): HttpBody | undefined {
  const given = ENCODINGS.filter((field) => input[field] !== undefined);
  if (given.length > 1) throw new FatalError(`invalid input for http.request: /${given[1]} cannot be sent together with /${given[0]}; keep one of body (JSON), form or text`);
  if (input.contentType !== undefined && input.text === undefined)
    throw new FatalError('invalid input for http.request: /contentType is the type of text; give text, or drop contentType (body is sent as application/json)');
  if (input.form !== undefined) return { form: Object.fromEntries(Object.entries(input.form).map(([k, v]) => [k, String(v)])) };
  if (input.text !== undefined) return { text: input.text, ...(input.contentType !== undefined ? { contentType: input.contentType } : {}) };
  if (input.body !== undefined) return { json: input.body };
  return undefined;
}

/** One authenticated call with the typed error mapping applied; shared by `request` and `paginate`. */
export async function call(http: HttpClient, input: RequestInputType, credentials: Credentials, auth: AuthSpec, idempotencyKey: string, signal: AbortSignal) {
  const headers: Record<string, string> = { ...(input.headers ?? {}) };
  // a retried POST must not create twice where the API honours the header
  if (input.method !== 'GET' && input.method !== 'HEAD' && !Object.keys(headers).some((h) => h.toLowerCase() === 'idempotency-key')) {
    headers['idempotency-key'] = idempotencyKey;
  }
  const request: HttpRequest = applyAuth(
    {
      method: input.method,
      url: input.url,
      query: input.query,
      headers,
      body: requestBody(input),
      responseType: input.responseType,
      timeoutMs: input.timeoutMs,
      signal,
    },
    credentials,
    auth,
  );
  const res = await http.request(request);
  // below 400 nothing is an error: the URL is parsed for the message only when there is one
  if (res.status >= 400 && !input.acceptStatuses?.includes(res.status)) {
    const error = errorFromResponse(res.status, res.headers, res.body, `${input.method} ${new URL(res.url).host}`);
    if (error) throw error;
  }
  return res;
}

export const requestAction = defineAction({
  key: 'request',
  displayName: 'HTTP request',
  // GET/HEAD are safe; any other method is sent with Idempotency-Key
  idempotent: 'key',
  description: 'Calls any REST endpoint. 408, 429 and 5xx are retried by the executor; other 4xx fail the step with the response kept.',
  input: RequestInput,
  output: ResponseOutput,
  sensitive: ['input.headers.authorization', 'input.headers.x-api-key'],
  async run(ctx) {
    const res = await call(ctx.http, ctx.input, ctx.credentials, ctx.auth, ctx.idempotencyKey, ctx.signal);
    return { status: res.status, headers: res.headers, body: res.body };
  },
});
