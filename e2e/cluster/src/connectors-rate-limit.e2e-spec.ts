import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { ReadCredentials } from '@junction/auth/contracts';
import { InvokeAction, type InvokeActionResult } from '@junction/connectors/contracts';
import { dropDatabase } from '@junction/platform/database';
import { ServiceMetrics } from '@junction/platform/metrics';
import { NatsMessageBus } from '@junction/platform/nats';
import { Namespace } from '@junction/platform/ports';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { TEST_SERVERS, startServiceProcess, uniqueNamespace, type ServiceProcess } from '@junction/shared/testing';

const WS = 'ws_01JF8Z5Q3V7X9B2C4D6E8G0H1K';
const CONN = 'conn_01JF8Z5Q3V7X9B2C4D6E8G0H2M';

/** Two connectors-service processes share one Redis token bucket per connection. */
describe('a per-connection rate limit of 5/s holds across two connectors processes', () => {
  const namespace = uniqueNamespace('e2e_rl');
  const sink = new FakeThirdParty();
  const replicas: ServiceProcess[] = [];
  let nc: NatsConnection;
  let bus: NatsMessageBus;

  beforeAll(async () => {
    await sink.start();
    sink.on('POST', '/sink', { status: 200, json: { ok: true } });
    const env = {
      JUNCTION_NAMESPACE: namespace,
      NATS_URL: TEST_SERVERS.nats,
      REDIS_URL: TEST_SERVERS.redis,
      DATABASE_URL: TEST_SERVERS.postgres,
      JUNCTION_HTTP_ALLOW: '127.0.0.1',
      CONNECTION_RATE_LIMIT_PER_SEC: '5',
    };
    replicas.push(...(await Promise.all([startServiceProcess('connectors', env), startServiceProcess('connectors', env)])));
    nc = await connect({ servers: TEST_SERVERS.nats });
    bus = new NatsMessageBus(nc, new Namespace(namespace), pino({ level: 'silent' }), new ServiceMetrics('e2e'), 10_000);
    // the vault's answer for the connection (the auth service is not what this test is about)
    await bus.serve(ReadCredentials, async () => ({ connectionId: CONN, connector: 'http', credentials: { token: 'tok_rl', allowedHosts: sink.url } }));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await Promise.all([sink.close(), nc?.drain(), dropDatabase(TEST_SERVERS.postgres, `${namespace}_connectors`)]);
  }, 60_000);

  it('lets exactly 5 calls through in the first second, and tells the rest when to come back', async () => {
    const results: InvokeActionResult[] = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        bus.request(InvokeAction, {
          workspaceId: WS,
          connector: 'http',
          connectionId: CONN,
          action: 'request',
          input: { method: 'POST', url: `${sink.url}/sink`, body: { i } },
          idempotencyKey: `job:${i}:1`,
        }),
      ),
    );
    const ok = results.filter((r) => !r.error);
    // nothing was sent for these: the executor defers them without using up an attempt
    const limited = results.filter((r) => r.error?.kind === 'throttled');
    expect(ok).toHaveLength(5);
    expect(limited).toHaveLength(15);
    expect(limited.every((r) => (r.error?.retryAfterMs ?? 0) > 0 && (r.error?.retryAfterMs ?? 0) <= 1000)).toBe(true);
    expect(sink.requestsTo('/sink')).toHaveLength(5);

    // both replicas took part: each counted some invocations
    for (const replica of replicas) {
      const text = await (await fetch(replica.metricsUrl)).text();
      expect(text).toMatch(/junction_connector_calls_total\{connector="http",action="request",outcome="(ok|throttled)"[^}]*\} [1-9]/);
    }
  });
});
