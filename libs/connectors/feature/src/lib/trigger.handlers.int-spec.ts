import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { ReadCredentials } from '@junction/auth/contracts';
import { ConnectorsPoll } from '@junction/scheduler/contracts';
import { TriggerLifecycle, VerifyWebhook } from '@junction/connectors/contracts';
import { AddressPolicy, FencedHttpClient } from '@junction/connector-sdk';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { githubConnector } from '@junction/connector-github';
import { httpConnector } from '@junction/connector-http';
import { webhookConnector } from '@junction/connector-webhook';
import { ServiceMetrics } from '@junction/platform/metrics';
import { NatsMessageBus } from '@junction/platform/nats';
import { Namespace, RemoteError } from '@junction/platform/ports';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { ConnectorRegistry } from './connector-registry';
import { CredentialSource } from './credential-source';
import { TriggerHandlers } from './trigger.handlers';

const WS = 'ws_01JF8Z5Q3V7X9B2C4D6E8G0H1K';
const CONN = 'conn_01JF8Z5Q3V7X9B2C4D6E8G0H2M';
// GitHub's documented example (secret, body, signature)
const SECRET = "It's a Secret to Everybody";
const BODY = Buffer.from('Hello, World!').toString('base64');
const SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

describe('trigger handlers over real NATS (verify, lifecycle, poll)', () => {
  const api = new FakeThirdParty();
  const http = new FencedHttpClient({ policy: new AddressPolicy(['127.0.0.1']) });
  let nc: NatsConnection;
  let bus: NatsMessageBus;

  beforeAll(async () => {
    await api.start();
    api.on('POST', '/repos/acme/app/hooks', { status: 201, json: { id: 42 } }).on('GET', '/items', (req) => {
      const all = [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }, { id: 5 }];
      const since = Number(req.query.since ?? 0);
      return { json: { items: all.filter((i) => i.id > since).slice(0, 2) } };
    });
    nc = await connect({ servers: TEST_SERVERS.nats });
    bus = new NatsMessageBus(nc, new Namespace(uniqueNamespace('trig')), pino({ level: 'silent' }), new ServiceMetrics('t'), 3000);
    await bus.serve(ReadCredentials, async () => ({ connectionId: CONN, connector: 'github', credentials: { token: 'ghp_x', signingSecret: SECRET, allowedHosts: api.url } }));
    const handlers = new TriggerHandlers(new ConnectorRegistry([githubConnector, httpConnector, webhookConnector]), new CredentialSource(bus), { forWorkspace: () => http });
    await bus.serve(VerifyWebhook, (r) => handlers.verify(r));
    await bus.serve(TriggerLifecycle, (r) => handlers.lifecycle(r));
    await bus.serve(ConnectorsPoll, (r) => handlers.poll(r));
  });

  afterAll(async () => {
    await Promise.all([api.close(), http.close(), nc.drain()]);
  });

  const delivery = (headers: Record<string, string>, connectionId: string | null = CONN) => ({
    workspaceId: WS,
    connector: 'github',
    trigger: 'webhook_event',
    ...(connectionId ? { connectionId } : {}),
    config: {},
    headers,
    rawBody: BODY,
    receivedAtMs: Date.now(),
  });

  it('verifies a GitHub delivery with the connection’s signing secret; the unsigned delivery id is not the dedupe key', async () => {
    const verdict = await bus.request(VerifyWebhook, delivery({ 'x-hub-signature-256': SIGNATURE, 'x-github-delivery': 'd-77' }));
    expect(verdict).toEqual({ signed: true });
  });

  it('refuses (no 5xx) a delivery whose recipe names a connection of another connector', async () => {
    const verdict = await bus.request(VerifyWebhook, { ...delivery({ 'x-sig': 'abc' }), connector: 'webhook', trigger: 'inbound', config: { signature: { header: 'x-sig' } } });
    expect(verdict.refused).toMatch(/belongs to connector github/);
  });

  it('refuses a wrong signature, and a recipe without a connection', async () => {
    expect((await bus.request(VerifyWebhook, delivery({ 'x-hub-signature-256': SIGNATURE.replace('7571', '7572') }))).refused).toMatch(/does not match/);
    expect((await bus.request(VerifyWebhook, delivery({ 'x-hub-signature-256': SIGNATURE }, null))).refused).toMatch(/no connection/);
  });

  it('answers not_found for a trigger that does not exist', async () => {
    await expect(bus.request(VerifyWebhook, { ...delivery({}), trigger: 'nope' })).rejects.toBeInstanceOf(RemoteError);
  });

  it('registers the hook with the provider on enable', async () => {
    const result = await bus.request(TriggerLifecycle, {
      workspaceId: WS,
      action: 'enable',
      connector: 'github',
      trigger: 'webhook_event',
      connectionId: CONN,
      config: { owner: 'acme', repo: 'app', baseUrl: api.url },
      webhookUrl: 'https://junction.test/hooks/abc',
    });
    expect(result).toEqual({ externalId: '42' });
    expect((api.requestsTo('/repos/acme/app/hooks')[0].json as { config: { secret: string } }).config.secret).toBe(SECRET);
  });

  it('refuses to register the hook with the token at a host the connection is not bound to, sending nothing', async () => {
    const canary = new FakeThirdParty();
    await canary.start();
    try {
      const enabling = bus.request(TriggerLifecycle, {
        workspaceId: WS,
        action: 'enable',
        connector: 'github',
        trigger: 'webhook_event',
        connectionId: CONN,
        config: { owner: 'acme', repo: 'app', baseUrl: canary.url },
        webhookUrl: 'https://junction.test/hooks/abc',
      });
      await expect(enabling).rejects.toThrow(/refused to send the credentials/);
      expect(canary.requests).toHaveLength(0);
    } finally {
      await canary.close();
    }
  });

  it('polls a list after a cursor, page by page', async () => {
    const request = { workspaceId: WS, connectorKey: 'http', trigger: 'new_items', input: { url: `${api.url}/items`, itemsPath: 'items', idField: 'id', cursorParam: 'since' } };
    const first = await bus.request(ConnectorsPoll, { ...request, cursor: null });
    expect(first).toEqual({
      records: [
        { dedupeKey: '1', data: { id: 1 } },
        { dedupeKey: '2', data: { id: 2 } },
      ],
      nextCursor: { value: '2' },
      hasMore: false,
    });
    const second = await bus.request(ConnectorsPoll, { ...request, cursor: first.nextCursor });
    expect(second.records.map((r) => r.dedupeKey)).toEqual(['3', '4']);
    expect(api.requestsTo('/items')[1].query).toEqual({ since: '2' });
  });
});
