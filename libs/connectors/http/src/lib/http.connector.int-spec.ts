import { AuthError, BlockedAddressError, FatalError, RateLimitedError, RetryableError } from '@junction/connector-sdk';
import { FakeThirdParty, runAction } from '@junction/connector-sdk/testing';
import { httpConnector } from './http.connector';

describe('http connector against a fake API', () => {
  const api = new FakeThirdParty();

  beforeAll(async () => {
    await api.start();
    api
      .on('POST', '/orders', (req) => ({ status: 201, json: { id: 'ord_1', received: req.json } }))
      .on('GET', '/limited', { status: 429, headers: { 'retry-after': '2' }, json: { error: 'too many' } })
      .on('GET', '/boom', { status: 500, text: 'oops' })
      .on('GET', '/bad', { status: 400, json: { error: 'email is taken' } })
      .on('GET', '/denied', { status: 401, json: { error: 'bad token' } })
      .on('GET', '/missing', { status: 404, json: { error: 'no' } })
      .on('GET', '/hang', { hang: true })
      .on('GET', '/to-metadata', { redirectTo: 'http://169.254.169.254/' })
      .on('GET', '/people', (req) => {
        const page = Number(req.query.page ?? '1');
        const headers: Record<string, string> = page < 3 ? { link: `<${api.url}/people?page=${page + 1}>; rel="next"` } : {};
        return { json: [{ n: page * 10 + 1 }, { n: page * 10 + 2 }], headers };
      })
      .on('GET', '/events', (req) => {
        const after = req.query.starting_after;
        const pages: Record<string, { data: number[]; next: string | null }> = {
          '': { data: [1, 2], next: 'c2' },
          c2: { data: [3], next: 'c3' },
          c3: { data: [4, 5], next: null },
        };
        const page = pages[after ?? ''];
        return { json: { data: page.data, meta: { next: page.next } } };
      });
  });

  afterAll(() => api.close());

  it('POSTs JSON with auth and an Idempotency-Key, returning status and parsed body', async () => {
    const out = await runAction(httpConnector, 'request', {
      input: { method: 'POST', url: `${api.url}/orders`, body: { sku: 'A1', qty: 2 } },
      credentials: { kind: 'bearer', token: 'tok_123' },
      allowedHosts: [api.url],
      idempotencyKey: 'job1:post:1',
    });
    expect(out).toMatchObject({ status: 201, body: { id: 'ord_1', received: { sku: 'A1', qty: 2 } } });
    const sent = api.requestsTo('/orders')[0];
    expect(sent.headers.authorization).toBe('Bearer tok_123');
    expect(sent.headers['idempotency-key']).toBe('job1:post:1');
    expect(sent.headers['content-type']).toBe('application/json');
  });

  it.each([
    ['api_key header', { kind: 'api_key' as const, apiKey: 'k_1' }, (h: Record<string, unknown>) => h['x-api-key'] === 'k_1'],
    ['basic', { kind: 'basic' as const, username: 'ann', password: 'pw' }, (h: Record<string, unknown>) => h.authorization === `Basic ${Buffer.from('ann:pw').toString('base64')}`],
    ['oauth2', { kind: 'oauth2' as const, accessToken: 'at_9' }, (h: Record<string, unknown>) => h.authorization === 'Bearer at_9'],
  ])('authenticates with %s', async (_name, credentials, check) => {
    await runAction(httpConnector, 'request', { input: { method: 'POST', url: `${api.url}/orders`, form: { a: '1' } }, credentials, allowedHosts: [api.url] });
    expect(check(api.requestsTo('/orders').at(-1)?.headers ?? {})).toBe(true);
  });

  it.each([
    ['/limited', RateLimitedError],
    ['/boom', RetryableError],
    ['/bad', FatalError],
    ['/denied', AuthError],
  ])('maps %s to %p', async (path, kind) => {
    await expect(runAction(httpConnector, 'request', { input: { method: 'GET', url: `${api.url}${path}` } })).rejects.toBeInstanceOf(kind);
  });

  it('keeps the response body of a failed call on the error', async () => {
    const error = await runAction(httpConnector, 'request', { input: { method: 'GET', url: `${api.url}/bad` } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, responseBody: { error: 'email is taken' } });
  });

  it('returns accepted non-2xx statuses as results', async () => {
    const out = await runAction(httpConnector, 'request', { input: { method: 'GET', url: `${api.url}/missing`, acceptStatuses: [404] } });
    expect(out).toMatchObject({ status: 404 });
  });

  it('cuts a hung server at the step timeout', async () => {
    await expect(runAction(httpConnector, 'request', { input: { method: 'GET', url: `${api.url}/hang`, timeoutMs: 200 } })).rejects.toBeInstanceOf(RetryableError);
  });

  it('refuses loopback without the allow-list, and a redirect to the metadata address with it', async () => {
    await expect(runAction(httpConnector, 'request', { input: { method: 'GET', url: `${api.url}/people` }, allow: [] })).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(runAction(httpConnector, 'request', { input: { method: 'GET', url: `${api.url}/to-metadata` } })).rejects.toBeInstanceOf(BlockedAddressError);
  });

  it('rejects invalid input before calling out', async () => {
    const n = api.requests.length;
    await expect(runAction(httpConnector, 'request', { input: { method: 'FETCH', url: 'not a url' } })).rejects.toBeInstanceOf(FatalError);
    expect(api.requests.length).toBe(n);
  });

  describe('what is sent: body is the JSON, form and text are sibling fields', () => {
    const sent = async (input: Record<string, unknown>) => {
      await runAction(httpConnector, 'request', { input: { method: 'POST', url: `${api.url}/orders`, ...input } });
      const req = api.requestsTo('/orders').at(-1);
      return { contentType: req?.headers['content-type'], body: req?.body };
    };

    it.each([
      // what every Slack webhook wants: JSON, not text/plain
      ['an object with a text field', { body: { text: 'hi' } }, 'application/json', '{"text":"hi"}'],
      ['a list', { body: [1, { a: null }] }, 'application/json', '[1,{"a":null}]'],
      ['a string', { body: 'hi' }, 'application/json', '"hi"'],
      ['false', { body: false }, 'application/json', 'false'],
      ['a form', { form: { a: 'x y', n: 2, ok: true } }, 'application/x-www-form-urlencoded', 'a=x+y&n=2&ok=true'],
      ['text', { text: 'hi' }, 'text/plain; charset=utf-8', 'hi'],
      ['text with its content type', { text: '<a/>', contentType: 'application/xml' }, 'application/xml', '<a/>'],
      ['a content-type header over the default', { body: { a: 1 }, headers: { 'Content-Type': 'application/vnd.api+json' } }, 'application/vnd.api+json', '{"a":1}'],
    ])('%s', async (_name, input, contentType, body) => {
      expect(await sent(input)).toEqual({ contentType, body });
    });

    it.each([
      [{ body: { a: 1 }, form: { a: '1' } }, 'invalid input for http.request: /form cannot be sent together with /body; keep one of body (JSON), form or text'],
      [{ form: { a: '1' }, text: 'a=1' }, 'invalid input for http.request: /text cannot be sent together with /form; keep one of body (JSON), form or text'],
      [
        { body: { a: 1 }, contentType: 'text/csv' },
        'invalid input for http.request: /contentType is the type of text; give text, or drop contentType (body is sent as application/json)',
      ],
      [{ form: { a: { b: 1 } } }, 'invalid input for http.request: /form/a must be a string, a number or true or false'],
      [{ text: 5 }, 'invalid input for http.request: /text must be string'],
    ])('refuses %j in one line, sending nothing', async (input, message) => {
      const n = api.requests.length;
      const error = await runAction(httpConnector, 'request', { input: { method: 'POST', url: `${api.url}/orders`, ...input } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FatalError);
      expect((error as Error).message).toBe(message);
      expect(api.requests.length).toBe(n);
    });
  });

  it('follows Link headers across pages', async () => {
    const out = await runAction(httpConnector, 'paginate', { input: { url: `${api.url}/people`, pagination: { type: 'link_header' } } });
    expect(out).toEqual({ items: [{ n: 11 }, { n: 12 }, { n: 21 }, { n: 22 }, { n: 31 }, { n: 32 }], pages: 3 });
  });

  it('follows a body cursor across pages', async () => {
    const out = await runAction(httpConnector, 'paginate', {
      input: { url: `${api.url}/events`, itemsPath: 'data', pagination: { type: 'cursor', cursorPath: 'meta.next', cursorParam: 'starting_after' } },
    });
    expect(out).toEqual({ items: [1, 2, 3, 4, 5], pages: 3 });
  });
});
