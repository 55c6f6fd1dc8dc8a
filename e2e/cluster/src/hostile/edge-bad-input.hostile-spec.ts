import { Cluster } from '../cluster-harness';
import { rawRequest, type RawReply, type RawRequest } from './raw-http';

interface Operation {
  method: string;
  /** OpenAPI path, `{param}` style. */
  path: string;
}

interface Probe extends RawRequest {
  label: string;
}

const JSON_TYPE = 'application/json';

/** Well-formed ids that name nothing, for routes whose own fixture could not be made. */
const FALLBACK_IDS: Record<string, string> = {
  connections: 'conn_01HZZZZZZZZZZZZZZZZZZZZZZZ',
  'api-keys': 'key_01HZZZZZZZZZZZZZZZZZZZZZZZ',
  recipes: 'rcp_01HZZZZZZZZZZZZZZZZZZZZZZZ',
  jobs: 'job_01HZZZZZZZZZZZZZZZZZZZZZZZ',
  connectors: 'http',
  hooks: 'h'.repeat(24),
};

/** What a client can put where an id goes: NUL, traversal, junk escapes, absurd sizes, another kind's id. */
const BAD_IDS = [
  '%00',
  'a%00b',
  'conn_01HZZZZZZZZZZZZZZZZZZZZZZ%00',
  '%2e%2e',
  '%2e%2e%2fapi-keys',
  'x'.repeat(5000),
  '9'.repeat(400),
  '-1',
  '0x10',
  '1e400',
  '%ZZ',
  '%C0%AF',
  '%FF%FE',
  '%E2%80%AE',
  '%F0%9F%92%A9',
  'null',
  '__proto__',
  'constructor',
  'job_01hzzzzzzzzzzzzzzzzzzzzzzz',
  'rcp_01HZZZZZZZZZZZZZZZZZZZZZZZ',
  'conn_01HZZZZZZZZZZZZZZZZZZZZZZZ%0A',
  '%20',
  '%u0000',
  '%5C..%5C',
];

/** Queries of every shape a list, a wait or a callback can be sent. */
const BAD_QUERIES = [
  'limit=1e400',
  'limit=-1',
  'limit=abc',
  'limit=99999999999999999999999',
  'limit=1&limit=2',
  'limit[]=1',
  'limit=%00',
  'cursor=%00',
  `cursor=${'x'.repeat(5000)}`,
  'cursor=%FF%FE',
  'cursor=%ZZ',
  'cursor=rcp_01HZZZZZZZZZZZZZZZZZZZZZZZ',
  'unknown=1',
  '__proto__=x',
  'constructor=x',
  'constructor[prototype][x]=1',
  'status=%00',
  'status=nope',
  'since=not-a-date',
  'since=99999-01-01T00:00:00Z',
  'since=2026-02-30T00:00:00Z&until=1970-01-01T00:00:00Z',
  'recipeId=%00',
  'actor=%00',
  `actor=${'a'.repeat(5000)}`,
  'action=%00',
  'target=%00',
  'wait=true&timeoutMs=1e9',
  'wait=true&timeoutMs=-5',
  'wait=true&timeoutMs=1',
  'timeoutMs=NaN',
  'redirectUri=javascript:alert(1)',
  'redirectUri=%00',
  `redirectUri=http://127.0.0.1/${'x'.repeat(5000)}`,
  'code=%00&state=%00',
  `code=x&state=${'s'.repeat(5000)}`,
  'code=x&state=x&state=y',
  'error=%00',
  Array.from({ length: 2000 }, (_, i) => `p${i}=1`).join('&'),
  '%00=1',
  'a=%E0%A4%A',
];

function deep(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

/** Bodies a write route can be sent: not JSON, not UTF-8, wrong types, absurd sizes and shapes, wrong content types. */
function badBodies(): Omit<Probe, 'method' | 'target'>[] {
  const json = (label: string, body: string | Buffer, contentType = JSON_TYPE, extra: Record<string, string> = {}) => ({
    label,
    body,
    headers: { 'content-type': contentType, ...extra },
  });
  const manyKeys = (n: number) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])));
  return [
    json('truncated JSON', '{"name":'),
    json('empty body', ''),
    json('null', 'null'),
    json('array', '[]'),
    json('string', '"x"'),
    json('number', '123'),
    json('true', 'true'),
    json('1e400', '1e400'),
    json('trailing garbage', '{} x'),
    json('BOM', '\ufeff{"name":"x"}'),
    json('escaped NUL', '{"name":"a\\u0000b","role":"admin","connector":"http","email":"a\\u0000@b.c","password":"p\\u0000","trigger":{"type":"webhook"},"steps":[]}'),
    json('escaped NUL key', '{"a\\u0000":1}'),
    json('raw NUL byte', Buffer.from('{"name":"a\u0000b"}', 'latin1')),
    json('not UTF-8', Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('","role":"admin"}')])),
    json('overlong UTF-8', Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')])),
    json('UTF-16 declared', Buffer.from('{"name":"x"}', 'utf16le'), 'application/json; charset=utf-16'),
    json('latin1 declared', '{"name":"x"}', 'application/json; charset=latin1'),
    json('lone surrogate', '{"name":"\\ud800","role":"builder"}'),
    json('nested 100k arrays', `${'['.repeat(100_000)}${']'.repeat(100_000)}`),
    json('nested 200 objects', deep(200)),
    json('nested 60 objects', deep(60)),
    json('__proto__', '{"__proto__":{"admin":true},"name":"x"}'),
    json('constructor.prototype', '{"constructor":{"prototype":{"x":1}}}'),
    json('huge numbers', '{"name":1e308,"role":99999999999999999999,"limit":1e400,"expiresAt":"+275760-09-13T00:00:00.001Z"}'),
    json('wrong types', '{"name":[],"role":{},"connector":123,"credentials":"x","oauth":[],"trigger":"x","steps":{},"settings":[],"email":[],"password":{},"expiresAt":5}'),
    json('bad dates', '{"name":"x","role":"builder","expiresAt":"not-a-date"}'),
    json('half a megabyte string', JSON.stringify({ name: 'x'.repeat(500_000) })),
    json('over the body limit', JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) })),
    json('5k keys', manyKeys(5_000)),
    json('60k keys', manyKeys(60_000)),
    json('100k array', JSON.stringify(Array.from({ length: 100_000 }, () => 0))),
    json('duplicate keys', '{"name":"a","name":"b"}'),
    json('text/plain', '{"name":"x"}', 'text/plain'),
    json('form', 'name=x&role=admin', 'application/x-www-form-urlencoded'),
    json('multipart', '--x\r\ncontent-disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n', 'multipart/form-data; boundary=x'),
    json('merge-patch', '{"name":null}', 'application/merge-patch+json'),
    json('no content type', '{"name":"x"}', ''),
    json('gzip garbage', 'not gzip at all', JSON_TYPE, { 'content-encoding': 'gzip' }),
    json('brotli', 'not brotli', JSON_TYPE, { 'content-encoding': 'br' }),
    json('unknown encoding', '{}', JSON_TYPE, { 'content-encoding': 'x-junk' }),
    json('junk idempotency key', '{}', JSON_TYPE, { 'idempotency-key': 'x'.repeat(500) }),
  ];
}

function targetFor(path: string, ids: Record<string, string>): string {
  return path.replace(/\{[^}]+\}/g, () => ids[path.split('/')[path.startsWith('/hooks') ? 1 : 2]] ?? 'x');
}

describe('no input a client controls gets a 5xx (issue #10 class 8)', () => {
  // the sweep sends thousands of requests with one key: the API rate limit would answer most of them 429 before they reach anything
  const cluster = new Cluster(undefined, { API_RATE_LIMIT_PER_KEY: '1000000', API_RATE_LIMIT_PER_WORKSPACE: '1000000' });
  const ids: Record<string, string> = { ...FALLBACK_IDS };
  let operations: Operation[] = [];

  beforeAll(async () => {
    await cluster.start(['gateway', 'auth', 'connectors', 'executor', 'audit']);
    const doc = (await (await fetch(`${cluster.gatewayUrl}/docs/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => ({ method: method.toUpperCase(), path })));
    // real rows, so bodies reach the services' own validation and not only a 404
    const connection = await cluster.call<{ id: string }>('POST', '/v1/connections', { name: 'sweep', connector: 'http', credentials: { token: 'sweep-token' } });
    if (connection.status === 201) ids.connections = connection.body.id;
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: 'sweep',
      trigger: { type: 'webhook' },
      steps: [{ id: 'map', set: { x: '{{ trigger.body.x }}' } }],
    });
    if (recipe.status === 201) ids.recipes = recipe.body.id;
    const key = await cluster.call<{ id: string }>('POST', '/v1/api-keys', { name: 'sweep', role: 'auditor' });
    if (key.status === 201) ids['api-keys'] = key.body.id;
  }, 180_000);

  afterAll(async () => {
    await cluster.stop();
  }, 60_000);

  /** Sends every probe (a few at a time) and returns the ones that broke the rule, described. */
  async function sweep(probes: Probe[]): Promise<string[]> {
    const broken: string[] = [];
    const queue = [...probes];
    const worker = async () => {
      for (let probe = queue.shift(); probe; probe = queue.shift()) {
        let reply: RawReply;
        try {
          reply = await rawRequest(cluster.gatewayUrl, probe);
        } catch (error) {
          broken.push(`${probe.method} ${probe.target.slice(0, 120)} [${probe.label}] → no answer: ${error instanceof Error ? error.message : String(error)}`);
          continue;
        }
        const problem = reply.status >= 400 && probe.method !== 'HEAD' && !(reply.headers['content-type'] ?? '').startsWith('application/problem+json');
        if (reply.status >= 500 || problem) {
          broken.push(`${probe.method} ${probe.target.slice(0, 120)} [${probe.label}] → ${reply.status} ${reply.headers['content-type'] ?? ''} ${reply.body.slice(0, 200)}`);
        }
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    return broken;
  }

  const auth = () => ({ authorization: `Bearer ${cluster.apiKey}` });
  const withRoot = (op: Operation) => (op.path === '/v1/workspaces' ? { authorization: `Bearer ${cluster.rootToken}` } : auth());

  it('answers a malformed path id with a 4xx problem naming the parameter, on every route with one', async () => {
    const probes = operations
      .filter((op) => op.path.includes('{'))
      .flatMap((op) =>
        BAD_IDS.map((bad): Probe => {
          const target = op.path.replace(/\{[^}]+\}/, bad).replace(/\{[^}]+\}/g, 'x');
          const body = ['POST', 'PUT', 'PATCH'].includes(op.method) ? '{}' : undefined;
          return { label: `id ${bad.slice(0, 40)}`, method: op.method, target, headers: { ...auth(), ...(body ? { 'content-type': JSON_TYPE } : {}) }, body };
        }),
      );
    expect(probes.length).toBeGreaterThan(300);
    expect(await sweep(probes)).toEqual([]);

    // the reported case: a NUL in a path id is a 400 naming the parameter, not a 502
    const nul = await rawRequest(cluster.gatewayUrl, { method: 'GET', target: '/v1/connections/%00', headers: auth() });
    expect(nul.status).toBe(400);
    expect(JSON.parse(nul.body)).toMatchObject({ type: expect.stringContaining('validation-error'), errors: [{ path: 'id', message: expect.stringContaining('conn_') }] });
    for (const target of ['/v1/jobs/a%00b', '/v1/recipes/%00/start', '/v1/api-keys/%00', '/v1/connectors/%00']) {
      const method = target.endsWith('/start') ? 'POST' : 'GET';
      expect({ target, status: (await rawRequest(cluster.gatewayUrl, { method, target, headers: auth() })).status }).toEqual({ target, status: 400 });
    }
  }, 120_000);

  it('answers malformed, oversized and unknown query parameters with a 4xx problem, or ignores them', async () => {
    const probes = operations.flatMap((op) =>
      BAD_QUERIES.map((query): Probe => {
        const body = ['POST', 'PUT', 'PATCH'].includes(op.method) ? '{}' : undefined;
        return {
          label: `query ${query.slice(0, 40)}`,
          method: op.method,
          target: `${targetFor(op.path, ids)}?${query}`,
          headers: { ...withRoot(op), ...(body ? { 'content-type': JSON_TYPE } : {}) },
          body,
        };
      }),
    );
    expect(await sweep(probes)).toEqual([]);
  }, 120_000);

  it('answers bodies that are not JSON, not UTF-8, too deep, too big or of the wrong shape with a 4xx problem', async () => {
    const writes = operations.filter((op) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(op.method));
    const probes = writes.flatMap((op) =>
      badBodies().map((bad): Probe => ({ ...bad, method: op.method, target: targetFor(op.path, ids), headers: { ...withRoot(op), ...bad.headers } })),
    );
    expect(await sweep(probes)).toEqual([]);

    // the reported case: JSON that is not UTF-8 is not JSON, a 400 (not a 422 about its content)
    const latin = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xe9]), Buffer.from('","role":"builder"}')]);
    for (const target of ['/v1/api-keys', '/v1/recipes', '/v1/connections']) {
      const reply = await rawRequest(cluster.gatewayUrl, { method: 'POST', target, headers: { ...auth(), 'content-type': JSON_TYPE }, body: latin });
      expect({ target, status: reply.status, body: JSON.parse(reply.body) as unknown }).toMatchObject({ target, status: 400, body: { detail: expect.stringContaining('UTF-8') } });
    }
    const nul = await rawRequest(cluster.gatewayUrl, {
      method: 'POST',
      target: '/v1/api-keys',
      headers: { ...auth(), 'content-type': JSON_TYPE },
      body: '{"name":"a\\u0000b","role":"builder"}',
    });
    expect(nul.status).toBe(400);
    expect(JSON.parse(nul.body)).toMatchObject({ errors: [{ path: 'name', message: expect.stringContaining('NUL') }] });
  }, 120_000);

  it('still serves a well-formed request after the sweep (nothing it sent broke a service)', async () => {
    expect((await cluster.call('GET', '/v1/recipes')).status).toBe(200);
    expect((await cluster.call('GET', '/v1/connections')).status).toBe(200);
    expect((await cluster.call('GET', '/v1/audit?limit=1')).status).toBe(200);
    for (const service of cluster.services.values()) expect({ service: service.name, exited: service.child.exitCode }).toEqual({ service: service.name, exited: null });
  });
});
