import { randomBytes } from 'node:crypto';
import { Matches } from 'class-validator';
import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { ServiceMetrics } from '@junction/platform/metrics';
import { Namespace, defineSignal } from '@junction/platform/ports';
import { startNatsServer, uniqueNamespace, waitFor, type ThrowawayServer } from '@junction/shared/testing';
import { NatsMessageBus } from './nats-message-bus';
import { AccessGuard, UndeclaredAccessError, natsAuthorizationBlock, natsPermissions, serviceInboxPrefix, type ServiceAccess } from './nats-permissions';
import { encodeJson } from './wire';

class Changed {
  @Matches(/^[a-z0-9]{4,32}$/)
  id: string;
}

const ItemChanged = defineSignal('owner.item.changed.v1', Changed);
const Other = defineSignal('owner.other.changed.v1', Changed);

const emitter: ServiceAccess = { service: 'owner', serves: [], calls: [], publishes: [], consumes: [], emits: [ItemChanged] };
const listener: ServiceAccess = { service: 'reader', serves: [], calls: [], publishes: [], consumes: [], hears: [ItemChanged] };

/**
 * Signals on a nats-server of the test's own, with the permissions generated from each service's
 * declared access: every listener gets a signal (a cache-drop must reach every replica), only the
 * declared emitter can send one, and a malformed or forged payload never reaches a handler.
 */
describe('hostile: core NATS signals', () => {
  const ns = new Namespace(uniqueNamespace('signals'));
  const passwords = { owner: randomBytes(16).toString('hex'), reader: randomBytes(16).toString('hex') };
  const logger = pino({ level: 'silent' });
  let server: ThrowawayServer;
  const open: NatsConnection[] = [];

  async function busOf(access: ServiceAccess): Promise<{ nc: NatsConnection; bus: NatsMessageBus }> {
    const nc = await connect({
      servers: `nats://127.0.0.1:${server.port}`,
      user: access.service,
      pass: passwords[access.service as keyof typeof passwords],
      inboxPrefix: serviceInboxPrefix(ns, access.service),
      reconnect: false,
    });
    open.push(nc);
    return { nc, bus: new NatsMessageBus(nc, ns, logger, new ServiceMetrics(`sig_${open.length}`), 2000, undefined, new AccessGuard(access)) };
  }

  beforeAll(async () => {
    server = await startNatsServer(
      natsAuthorizationBlock([
        { credential: { user: 'owner', password: passwords.owner }, permissions: natsPermissions(ns, emitter) },
        { credential: { user: 'reader', password: passwords.reader }, permissions: natsPermissions(ns, listener) },
      ]),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(open.map((nc) => nc.close().catch(() => undefined)));
    await server?.dispose();
  });

  it('reaches every listening replica once, not one of a queue group', async () => {
    const replicas = [await busOf(listener), await busOf(listener)];
    const heard: string[][] = [[], []];
    await Promise.all(replicas.map(({ bus }, i) => bus.listen(ItemChanged, ({ id }) => heard[i].push(id))));
    const { bus } = await busOf(emitter);

    await bus.emit(ItemChanged, { id: 'abcd1' });
    await bus.emit(ItemChanged, { id: 'abcd2' });

    await waitFor(() => heard.every((ids) => ids.length === 2), 5_000, 20);
    expect(heard).toEqual([
      ['abcd1', 'abcd2'],
      ['abcd1', 'abcd2'],
    ]);
  });

  it('a listener cannot send the signal (the server refuses it) and a malformed payload never reaches a handler', async () => {
    const { bus: reader } = await busOf(listener);
    const heard: string[] = [];
    await reader.listen(ItemChanged, ({ id }) => heard.push(id));
    const forger = await busOf(listener);
    const violations: string[] = [];
    void (async () => {
      for await (const status of forger.nc.status()) if (status.type === 'error') violations.push(String(status.data));
    })();
    const owner = await busOf(emitter);

    // the declared listener forging the signal past its own bus's guard: nats-server drops it
    forger.nc.publish(ns.subject(ItemChanged.subject), encodeJson({ id: 'forged' }));
    await forger.nc.flush();
    // the owner sending what no handler may see: not JSON, the wrong shape, an id outside its pattern
    for (const body of [new TextEncoder().encode('{not json'), encodeJson({ id: ['x'] }), encodeJson({ id: '../../etc' }), encodeJson({})]) {
      owner.nc.publish(ns.subject(ItemChanged.subject), body);
    }
    await owner.bus.emit(ItemChanged, { id: 'after1' });

    await waitFor(() => heard.length > 0, 5_000, 20);
    await new Promise((r) => setTimeout(r, 200));
    expect(heard).toEqual(['after1']);
    await waitFor(() => violations.length > 0, 5_000, 20);
    expect(violations.join(' ')).toMatch(/PERMISSIONS_VIOLATION|Permissions Violation/i);
  });

  it('a service using a signal it did not declare fails at once, before anything is sent', async () => {
    const { bus: reader } = await busOf(listener);
    const { bus: owner } = await busOf(emitter);
    await expect(reader.emit(ItemChanged, { id: 'abcd' })).rejects.toBeInstanceOf(UndeclaredAccessError);
    await expect(owner.emit(Other, { id: 'abcd' })).rejects.toBeInstanceOf(UndeclaredAccessError);
    await expect(owner.listen(ItemChanged, () => undefined)).rejects.toBeInstanceOf(UndeclaredAccessError);
    // an invalid payload is the sender's bug: logged and not sent, never thrown into the state change that emits it
    await expect(owner.emit(ItemChanged, { id: 'NOT VALID' })).resolves.toBeUndefined();
  });

  it('grants exactly the declared subjects: the emitter publishes, the listener subscribes', () => {
    const subject = ns.subject(ItemChanged.subject);
    expect(natsPermissions(ns, emitter).publish.allow).toContain(subject);
    expect(natsPermissions(ns, emitter).subscribe.allow).not.toContain(subject);
    expect(natsPermissions(ns, listener).subscribe.allow).toContain(subject);
    expect(natsPermissions(ns, listener).publish.allow).not.toContain(subject);
  });
});
