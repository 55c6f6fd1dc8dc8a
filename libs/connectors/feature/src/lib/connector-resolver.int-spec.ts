import { DataSource } from 'typeorm';
import { httpConnector } from '@junction/connector-http';
import { CONNECTORS_ENTITIES, CONNECTORS_MIGRATIONS, CustomConnectorRepository } from '@junction/connectors/data-access';
import { SnakeNamingStrategy, databaseUrl, dropDatabase, ensureDatabase } from '@junction/platform/database';
import pino from 'pino';
import { AddressPolicy, FencedHttpClient } from '@junction/connector-sdk';
import { ServiceMetrics } from '@junction/platform/metrics';
import { MemoryRateLimiters, RemoteError } from '@junction/platform/ports';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { ActionInvoker } from './action-invoker';
import { ConnectionRateLimiter } from './connection-rate-limiter';
import { ConnectorMetrics } from './connector-metrics';
import { ConnectorRegistry } from './connector-registry';
import { ConnectorResolver } from './connector-resolver';
import type { CredentialSource } from './credential-source';
import { HostBreakers } from './host-breakers';

const acme = (version: string) => ({
  key: 'acme',
  displayName: `Acme ${version}`,
  baseUrl: 'https://api.acme.test',
  auth: { kind: 'bearer' },
  actions: [{ key: 'get_order', displayName: 'Get order', method: 'GET', path: '/orders/{{ input.id }}' }],
});

describe('custom connectors (real Postgres)', () => {
  const name = uniqueNamespace('custconn');
  let dataSource: DataSource;
  let resolver: ConnectorResolver;

  beforeAll(async () => {
    await ensureDatabase(TEST_SERVERS.postgres, name);
    dataSource = await new DataSource({
      type: 'postgres',
      url: databaseUrl(TEST_SERVERS.postgres, name),
      entities: CONNECTORS_ENTITIES,
      migrations: CONNECTORS_MIGRATIONS,
      migrationsRun: true,
      namingStrategy: new SnakeNamingStrategy(),
    }).initialize();
    resolver = new ConnectorResolver(new ConnectorRegistry([httpConnector]), new CustomConnectorRepository(dataSource));
  });

  afterAll(async () => {
    await dataSource.destroy();
    await dropDatabase(TEST_SERVERS.postgres, name);
  });

  it('registers versions 1, 2, … and serves the newest', async () => {
    expect((await resolver.register('ws_a', acme('one'))).version).toBe('1.0.0');
    const second = await resolver.register('ws_a', acme('two'));
    expect(second).toMatchObject({ key: 'acme', version: '2.0.0', displayName: 'Acme two', authKinds: ['bearer'] });
    expect((await resolver.summary('ws_a', 'acme'))?.displayName).toBe('Acme two');
    const found = await resolver.action('ws_a', 'acme', 'get_order');
    expect(found?.connector.version).toBe('2.0.0');
  });

  it('gives concurrent registrations distinct versions', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => resolver.register('ws_c', acme('x'))));
    expect(results.map((r) => r.version).sort()).toEqual(['1.0.0', '2.0.0', '3.0.0', '4.0.0', '5.0.0']);
  });

  it('reports custom connectors’ calls under one "custom" series: tenants cannot grow the metrics', async () => {
    const metrics = new ServiceMetrics('test');
    const http = new FencedHttpClient({ policy: new AddressPolicy([]), timeoutMs: 1000 });
    // no connection in these calls: the vault is never asked
    const invoker = new ActionInvoker(
      resolver,
      {} as CredentialSource,
      new ConnectionRateLimiter(new MemoryRateLimiters(), 10),
      new HostBreakers(http, { failures: 100, halfOpenAfterMs: 1000 }),
      new ConnectorMetrics(metrics),
      pino({ level: 'silent' }),
    );
    for (let i = 0; i < 3; i++) {
      await resolver.register('ws_m', { ...acme('m'), key: `tenant-named-${i}` });
      await invoker.invoke({ workspaceId: 'ws_m', connector: `tenant-named-${i}`, action: 'get_order', input: { id: '1' }, idempotencyKey: `m:${i}` });
    }
    await http.close();
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/junction_connector_calls_total\{connector="custom",action="custom",outcome="[a-z_]+"[^}]*\} 3/);
    expect(text).not.toContain('tenant-named');
  });

  it('keeps a workspace’s connectors invisible to every other workspace', async () => {
    expect((await resolver.list('ws_a')).map((c) => c.key)).toEqual(['acme', 'http']);
    expect((await resolver.list('ws_b')).map((c) => c.key)).toEqual(['http']);
    expect(await resolver.summary('ws_b', 'acme')).toBeUndefined();
    expect(await resolver.action('ws_b', 'acme', 'get_order')).toBeUndefined();
  });

  it('refuses an invalid definition with JSON paths and writes nothing', async () => {
    const before = (await dataSource.query('SELECT count(*)::int AS n FROM custom_connector_version'))[0].n as number;
    const error = await resolver.register('ws_a', { ...acme('bad'), baseUrl: 'gopher://x', actions: [{ key: 'Bad Key' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).code).toBe('invalid_request');
    expect((error as RemoteError).errors?.map((e) => e.path)).toEqual(expect.arrayContaining(['/baseUrl', '/actions/0']));
    expect((await dataSource.query('SELECT count(*)::int AS n FROM custom_connector_version'))[0].n).toBe(before);
  });

  it('refuses to shadow a built-in connector', async () => {
    await expect(resolver.register('ws_a', { ...acme('x'), key: 'http' })).rejects.toMatchObject({ code: 'conflict' });
  });
});
