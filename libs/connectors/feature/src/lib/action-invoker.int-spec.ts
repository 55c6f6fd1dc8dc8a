import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { Redis } from 'ioredis';
import { ReadCredentials } from '@junction/auth/contracts';
import { AddressPolicy, FencedHttpClient, Type, defineAction, defineConnector } from '@junction/connector-sdk';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { httpConnector } from '@junction/connector-http';
import { ServiceMetrics } from '@junction/platform/metrics';
import { NatsMessageBus } from '@junction/platform/nats';
import { Namespace, RemoteError } from '@junction/platform/ports';
import { RedisRateLimiters, connectRedis } from '@junction/platform/redis';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { ActionInvoker } from './action-invoker';
import { ConnectionRateLimiter } from './connection-rate-limiter';
import { ConnectorMetrics } from './connector-metrics';
import { ConnectorRegistry } from './connector-registry';
import { ConnectorResolver } from './connector-resolver';
import type { CustomConnectorRepository } from '@junction/connectors/data-access';
import { CredentialSource } from './credential-source';
import { HostBreakers } from './host-breakers';

describe('ActionInvoker (real NATS for the vault, real Redis for rate limits, fake third party)', () => {
  const namespace = uniqueNamespace('invoke');
  const api = new FakeThirdParty();
  const metrics = new ServiceMetrics('test');
  let nc: NatsConnection;
  let redis: Redis;
  let invoker: ActionInvoker;
  const http = new FencedHttpClient({ policy: new AddressPolicy(['127.0.0.1']), timeoutMs: 1000 });
  const credentialReads: string[] = [];

  beforeAll(async () => {
    await api.start();
    api
      .on('POST', '/sink', (req) => ({ json: { echoedAuth: req.headers.authorization, got: req.json } }))
      .on('GET', '/limited', { status: 429, headers: { 'retry-after': '2' }, json: { error: 'slow down' } })
      .on('GET', '/bad', (req) => ({ status: 400, json: { error: 'invalid', echoed: req.headers.authorization } }))
      .on('GET', '/hang', { hang: true });
    nc = await connect({ servers: TEST_SERVERS.nats });
    redis = await connectRedis({ url: TEST_SERVERS.redis, namespace });
    const logger = pino({ level: 'silent' });
    const bus = new NatsMessageBus(nc, new Namespace(namespace), logger, metrics, 2000);
    // the vault's side of auth.read-credentials.v1, as the auth service answers it
    await bus.serve(ReadCredentials, async (req) => {
      credentialReads.push(`${req.workspaceId}/${req.connectionId}/${req.jobId}`);
      if (req.connectionId !== 'conn_01JF8Z5Q3V7X9B2C4D6E8G0H2M') throw new RemoteError('not_found', 'no such connection');
      return { connectionId: 'conn_01JF8Z5Q3V7X9B2C4D6E8G0H2M', connector: 'http', credentials: { token: 'tok_SECRET_9f8e7d', allowedHosts: api.url } };
    });
    const connectorMetrics = new ConnectorMetrics(metrics);
    invoker = new ActionInvoker(
      // built-ins only here: custom connectors have their own test against Postgres
      new ConnectorResolver(new ConnectorRegistry([httpConnector]), { latest: async () => null, listLatest: async () => [] } as unknown as CustomConnectorRepository),
      new CredentialSource(bus),
      new ConnectionRateLimiter(new RedisRateLimiters(redis), 1000),
      new HostBreakers(http, { failures: 100, halfOpenAfterMs: 1000 }),
      connectorMetrics,
      logger,
    );
  });

  afterAll(async () => {
    await Promise.all([api.close(), http.close(), nc.drain(), redis.quit()]);
  });

  const base = { workspaceId: 'ws_01JF8Z5Q3V7X9B2C4D6E8G0H1K', connector: 'http', action: 'request', idempotencyKey: 'job1:post:1', jobId: 'job1', stepId: 'post' };

  it('runs an action with the connection’s credentials and scrubs them from the output', async () => {
    const result = await invoker.invoke({ ...base, connectionId: 'conn_01JF8Z5Q3V7X9B2C4D6E8G0H2M', input: { method: 'POST', url: `${api.url}/sink`, body: { n: 1 } } });
    expect(result.error).toBeUndefined();
    expect(result.output).toMatchObject({ status: 200, body: { got: { n: 1 }, echoedAuth: 'Bearer [redacted]' } });
    expect(JSON.stringify(result)).not.toContain('tok_SECRET_9f8e7d');
    expect(api.requestsTo('/sink')[0].headers.authorization).toBe('Bearer tok_SECRET_9f8e7d');
    expect(credentialReads).toEqual(['ws_01JF8Z5Q3V7X9B2C4D6E8G0H1K/conn_01JF8Z5Q3V7X9B2C4D6E8G0H2M/job1']);
  });

  it('answers 429 + Retry-After: 2 as rate_limited after 2000 ms', async () => {
    const result = await invoker.invoke({ ...base, input: { method: 'GET', url: `${api.url}/limited` } });
    expect(result.error).toMatchObject({ kind: 'rate_limited', retryAfterMs: 2000, status: 429 });
  });

  it('answers 400 as fatal with the response body kept and scrubbed', async () => {
    const result = await invoker.invoke({ ...base, connectionId: 'conn_01JF8Z5Q3V7X9B2C4D6E8G0H2M', input: { method: 'GET', url: `${api.url}/bad` } });
    expect(result.error).toMatchObject({ kind: 'fatal', status: 400, responseBody: { error: 'invalid', echoed: 'Bearer [redacted]' } });
  });

  it('cuts a hung server at the step timeout as retryable', async () => {
    const result = await invoker.invoke({ ...base, input: { method: 'GET', url: `${api.url}/hang`, timeoutMs: 200 } });
    expect(result.error).toMatchObject({ kind: 'retryable' });
    expect(result.durationMs).toBeLessThan(1500);
  });

  it('fails an unknown connection as fatal, and an unknown action as not_found', async () => {
    const result = await invoker.invoke({ ...base, connectionId: 'conn_01JF8Z5Q3V7X9B2C4D6E8G0H3N', input: { method: 'GET', url: `${api.url}/sink` } });
    expect(result.error).toMatchObject({ kind: 'fatal', message: expect.stringMatching(/not found/) });
    await expect(invoker.invoke({ ...base, action: 'teleport', input: {} })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses invalid input as fatal before calling out', async () => {
    const before = api.requests.length;
    const result = await invoker.invoke({ ...base, input: { method: 'GET' } });
    expect(result.error).toMatchObject({ kind: 'fatal', message: expect.stringMatching(/invalid input/) });
    expect(api.requests.length).toBe(before);
  });

  it('gives an action a logger whose lines name the connector, action, job and step (made on its first line, #19)', async () => {
    const lines: Record<string, unknown>[] = [];
    const logged = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const echo = defineConnector({
      key: 'echo',
      version: '1.0.0',
      displayName: 'Echo',
      description: 'answers its input; logs when asked',
      auth: [{ kind: 'none' }],
      actions: [
        defineAction({
          key: 'say',
          displayName: 'Say',
          description: 'answers its input',
          idempotent: true,
          input: Type.Object({ text: Type.String(), log: Type.Boolean() }),
          output: Type.Object({ text: Type.String() }),
          async run(ctx) {
            if (ctx.input.log) ctx.logger.warn({ said: ctx.input.text }, 'echo said something');
            return { text: ctx.input.text };
          },
        }),
      ],
      triggers: [],
    });
    const echoing = new ActionInvoker(
      new ConnectorResolver(new ConnectorRegistry([echo]), { latest: async () => null, listLatest: async () => [] } as unknown as CustomConnectorRepository),
      new CredentialSource(new NatsMessageBus(nc, new Namespace(namespace), logged, metrics, 2000)),
      new ConnectionRateLimiter(new RedisRateLimiters(redis), 1000),
      new HostBreakers(http, { failures: 100, halfOpenAfterMs: 1000 }),
      new ConnectorMetrics(new ServiceMetrics('echo')),
      logged,
    );
    const quiet = await echoing.invoke({ ...base, connector: 'echo', action: 'say', input: { text: 'hush', log: false } });
    expect(quiet.output).toEqual({ text: 'hush' });
    expect(lines).toEqual([]);
    const loud = await echoing.invoke({ ...base, connector: 'echo', action: 'say', stepId: 'shout', input: { text: 'hello', log: true } });
    expect(loud.output).toEqual({ text: 'hello' });
    expect(lines).toEqual([expect.objectContaining({ level: 40, msg: 'echo said something', said: 'hello', connector: 'echo', action: 'say', jobId: 'job1', stepId: 'shout' })]);
  });

  it('counts calls per connector, action and outcome', async () => {
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/junction_connector_calls_total\{connector="http",action="request",outcome="ok"[^}]*\} 1/);
    expect(text).toMatch(/junction_connector_calls_total\{[^}]*outcome="rate_limited"[^}]*\} 1/);
  });
});
