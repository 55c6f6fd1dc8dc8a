import { FakeThirdParty, runAction, runConnectionTest } from '../../testing';
import { AuthError, FatalError } from '../errors';
import { toConnector, validateDeclarative, type DeclarativeConnector } from './declarative-connector';
import { render } from './template';

const definition = (baseUrl: string): DeclarativeConnector => ({
  key: 'acme',
  displayName: 'Acme',
  baseUrl,
  auth: { kind: 'api_key', in: 'header', name: 'x-acme-key' },
  actions: [
    {
      key: 'get_order',
      displayName: 'Get order',
      method: 'GET',
      path: '/orders/{{ input.id }}',
      query: { expand: '{{ input.expand }}' },
      input: { type: 'object', required: ['id'], properties: { id: { type: 'string' }, expand: { type: 'string' } }, additionalProperties: false },
      outputPath: 'data',
    },
    {
      key: 'create_note',
      displayName: 'Create note',
      method: 'POST',
      path: '/orders/{{ input.id }}/notes',
      body: { text: 'Note: {{ input.text }}', pinned: '{{ input.pinned }}', tags: ['{{ input.tag }}'] },
    },
  ],
});

describe('declarative connectors', () => {
  const api = new FakeThirdParty();

  beforeAll(async () => {
    await api.start();
    api
      .on('GET', '/orders/a%2Fb', (req) => ({ json: { data: { id: 'a/b', expand: req.query.expand ?? null } } }))
      .on('POST', '/orders/o1/notes', (req) => ({ status: 201, json: req.json }))
      .on('GET', '/orders/missing', { status: 404, json: { error: 'not found' } })
      .on('GET', '/me', (req) => (req.headers['x-acme-key'] === 'ak_good' ? { json: { id: 'me' } } : { status: 401, json: { error: 'bad key' } }))
      .on('GET', '/gone', { status: 404, json: { error: 'no such path' } });
  });

  afterAll(() => api.close());

  it('accepts a valid definition', () => {
    expect(validateDeclarative(definition('https://api.acme.test'))).toEqual([]);
  });

  it.each([
    [{ key: 'Acme!' }, '/key'],
    [{ baseUrl: 'ftp://x' }, '/baseUrl'],
    [{ auth: { kind: 'oauth9' } }, '/auth/kind'],
    [{ actions: [] }, '/actions'],
    [{ extra: true }, '/'],
  ])('refuses %j with an error at %s', (patch, path) => {
    const errors = validateDeclarative({ ...definition('https://api.acme.test'), ...patch });
    expect(errors.map((e) => e.path)).toContain(path);
  });

  it('refuses duplicate action keys and placeholders outside input.*', () => {
    const d = definition('https://api.acme.test');
    d.actions[1].key = 'get_order';
    d.actions[0].path = '/orders/{{ env.SECRET }}';
    const errors = validateDeclarative(d);
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: '/actions/1/key', message: 'action "get_order" is declared twice' },
        { path: '/actions/0/path', message: 'placeholder {{ env.SECRET }} may only read input.*' },
      ]),
    );
  });

  it('keeps JSON types of whole placeholders and encodes path segments', () => {
    expect(render({ a: '{{ input.n }}', b: 'n={{ input.n }}', c: ['{{ input.list }}'] }, { input: { n: 3, list: [1, 2] } })).toEqual({ a: 3, b: 'n=3', c: [[1, 2]] });
    expect(render('/x/{{ input.id }}', { input: { id: 'a/b?c' } }, encodeURIComponent)).toBe('/x/a%2Fb%3Fc');
  });

  it('runs actions against the API: path, query, auth header, body, output path', async () => {
    const connector = toConnector(definition(api.url), 3);
    expect(connector.version).toBe('3.0.0');
    const credentials = { kind: 'api_key' as const, apiKey: 'ak_1' };
    expect(await runAction(connector, 'get_order', { input: { id: 'a/b', expand: 'lines' }, credentials })).toEqual({ id: 'a/b', expand: 'lines' });
    expect(api.requests[0].headers['x-acme-key']).toBe('ak_1');
    const note = await runAction(connector, 'create_note', { input: { id: 'o1', text: 'hi', pinned: true, tag: 'vip' }, credentials });
    expect(note).toEqual({ text: 'Note: hi', pinned: true, tags: ['vip'] });
  });

  it('validates input against the declared schema and maps statuses like any connector', async () => {
    const connector = toConnector(definition(api.url), 1);
    await expect(runAction(connector, 'get_order', { input: { idd: 'x' } })).rejects.toBeInstanceOf(FatalError);
    await expect(runAction(connector, 'get_order', { input: { id: 'missing' } })).rejects.toMatchObject({ kind: 'fatal', status: 404 });
  });

  it('tests a connection with the declared request: 2xx passes, 401 is an auth error, another 4xx fails', async () => {
    const withTest = (path: string) => toConnector({ ...definition(api.url), test: { method: 'GET', path } }, 1);
    expect(validateDeclarative({ ...definition(api.url), test: { method: 'GET', path: '/me' } })).toEqual([]);
    expect(validateDeclarative({ ...definition(api.url), test: { method: 'DELETE', path: 'me' } }).map((e) => e.path)).toEqual(
      expect.arrayContaining(['/test/method', '/test/path']),
    );
    expect(toConnector(definition(api.url), 1).test).toBeUndefined();
    await expect(runConnectionTest(withTest('/me'), { credentials: { kind: 'api_key', apiKey: 'ak_good' } })).resolves.toBeUndefined();
    await expect(runConnectionTest(withTest('/me'), { credentials: { kind: 'api_key', apiKey: 'ak_bad' } })).rejects.toBeInstanceOf(AuthError);
    await expect(runConnectionTest(withTest('/gone'), { credentials: { kind: 'api_key', apiKey: 'ak_good' } })).rejects.toMatchObject({ kind: 'fatal', status: 404 });
  });
});
