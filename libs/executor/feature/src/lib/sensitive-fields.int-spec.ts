import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { GetConnector } from '@junction/connectors/contracts';
import { ServiceMetrics } from '@junction/platform/metrics';
import { NatsMessageBus } from '@junction/platform/nats';
import { Namespace } from '@junction/platform/ports';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { SensitiveFields, redactPaths } from './sensitive-fields';

describe('redactPaths', () => {
  it('replaces the named fields where present, leaving the original untouched', () => {
    const input = { body: { ssn: '123-45-6789', name: 'Ann' }, headers: { 'x-card': '4111' } };
    expect(redactPaths(input, ['body.ssn', 'headers.x-card', 'body.missing.deep'])).toEqual({ body: { ssn: '[redacted]', name: 'Ann' }, headers: { 'x-card': '[redacted]' } });
    expect(input.body.ssn).toBe('123-45-6789');
  });
});

describe('SensitiveFields (real NATS, the catalog answered on the wire)', () => {
  let nc: NatsConnection;
  let bus: NatsMessageBus;
  let asked = 0;

  beforeAll(async () => {
    nc = await connect({ servers: TEST_SERVERS.nats });
    bus = new NatsMessageBus(nc, new Namespace(uniqueNamespace('sens')), pino({ level: 'silent' }), new ServiceMetrics('t'), 1000);
    await bus.serve(GetConnector, async (req) => {
      asked++;
      return {
        key: req.key,
        version: '1.0.0',
        displayName: 'Vault-ish',
        authKinds: ['none' as const],
        triggers: [],
        actions: [{ key: 'lookup', displayName: 'Lookup', sensitive: ['input.body.ssn', 'output.token'], inputSchema: {}, outputSchema: {} }],
      };
    });
  });

  afterAll(async () => {
    await nc.drain();
  });

  it('splits an action’s sensitive paths into input and output, and asks the catalog once a minute', async () => {
    const fields = new SensitiveFields(bus);
    expect(await fields.of('ws_1', 'vaultish.lookup')).toEqual({ input: ['body.ssn'], output: ['token'] });
    expect(await fields.of('ws_1', 'vaultish.other')).toEqual({ input: [], output: [] });
    expect(asked).toBe(1);
  });

  it('answers undefined (so the caller withholds the data) when the catalog cannot be read', async () => {
    const elsewhere = new NatsMessageBus(nc, new Namespace(uniqueNamespace('none')), pino({ level: 'silent' }), new ServiceMetrics('t'), 300);
    expect(await new SensitiveFields(elsewhere).of('ws_1', 'vaultish.lookup')).toBeUndefined();
  });
});
