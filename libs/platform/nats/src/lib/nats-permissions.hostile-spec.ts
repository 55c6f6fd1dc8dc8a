import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, nkeys, ErrorCode, type NatsConnection } from 'nats';
import { dropDatabase } from '@junction/platform/database';
import { Namespace } from '@junction/platform/ports';
import { TEST_SERVERS, startNatsServer, startServiceProcess, uniqueNamespace, waitFor, type ServiceProcess, type ThrowawayServer } from '@junction/shared/testing';
import { natsSecurityOptions } from './nats-connect';
import { serviceInboxPrefix } from './nats-permissions';

const root = join(__dirname, '../../../../..');
type Service = 'gateway' | 'auth' | 'connectors' | 'scheduler' | 'executor' | 'audit';
interface Generated {
  natsAuthConf: string;
  services: { service: Service; env: Record<string, string> }[];
}

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const decode = (data: Uint8Array) => JSON.parse(new TextDecoder().decode(data)) as { ok: boolean; data?: unknown; error?: { code: string } };
const settle = () => new Promise((r) => setTimeout(r, 300));

/**
 * Forged callers against a nats-server of the test's own, configured with the authorization block
 * generated from the services' declared access (tools/scripts/service-auth.ts): each service can
 * do what its contracts need and nothing else; without credentials nothing at all.
 */
describe('NATS service-to-service permissions', () => {
  const namespace = uniqueNamespace('hostile_nats');
  const ns = new Namespace(namespace);
  const dir = mkdtempSync(join(tmpdir(), 'junction-service-auth-'));
  let generated: Generated;
  let server: ThrowawayServer;
  let url: string;
  const open: NatsConnection[] = [];
  const errors = new Map<NatsConnection, string[]>();

  const envOf = (service: Service): Record<string, string> => generated.services.find((s) => s.service === service)?.env ?? {};

  async function connectAs(service: Service, inboxOf: Service = service): Promise<NatsConnection> {
    const nc = await connect({
      servers: url,
      ...natsSecurityOptions(url, { nkeySeed: envOf(service)['NATS_NKEY_SEED'] }),
      inboxPrefix: serviceInboxPrefix(ns, inboxOf),
      reconnect: false,
    });
    const seen: string[] = [];
    errors.set(nc, seen);
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'error') seen.push(String(s.data));
    })();
    open.push(nc);
    return nc;
  }

  /** Answers `subject` as `service` (a queue subscription, like the real bus) and counts what arrives. */
  function serveAs(nc: NatsConnection, subject: string, answer: unknown = { ok: true, data: { served: subject } }) {
    const received: string[] = [];
    nc.subscribe(ns.subject(subject), {
      queue: ns.subject(subject),
      callback: (_err, msg) => {
        received.push(msg.subject);
        msg.respond(encode(answer));
      },
    });
    return received;
  }

  beforeAll(async () => {
    execFileSync(process.execPath, ['-r', '@swc-node/register', 'tools/scripts/service-auth.ts', '--namespace', namespace, '--out', dir], { cwd: root, stdio: 'pipe' });
    generated = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')) as Generated;
    server = await startNatsServer(generated.natsAuthConf);
    url = `nats://127.0.0.1:${server.port}`;
  }, 60_000);

  // each test's connections go, so the queue groups of one test never answer the next one's requests
  afterEach(async () => {
    await Promise.all(open.splice(0).map((nc) => nc.close().catch(() => undefined)));
  });

  afterAll(async () => {
    await server?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a client without credentials, with an unknown NKEY, or with a password instead', async () => {
    const attempts = [
      () => connect({ servers: url, reconnect: false }),
      () => connect({ servers: url, reconnect: false, ...natsSecurityOptions(url, { nkeySeed: new TextDecoder().decode(nkeys.createUser().getSeed()) }) }),
      () => connect({ servers: url, reconnect: false, user: `${namespace}-auth`, pass: 'guessed-password' }),
    ];
    for (const attempt of attempts) {
      await expect(attempt()).rejects.toMatchObject({ code: ErrorCode.AuthorizationViolation });
    }
  });

  it('lets connectors read credentials from auth, and the executor invoke a connector action', async () => {
    const auth = await connectAs('auth');
    const connectors = await connectAs('connectors');
    const executor = await connectAs('executor');
    const readCredentials = serveAs(auth, 'auth.read-credentials.v1');
    const invoke = serveAs(connectors, 'connectors.invoke.v1');
    await Promise.all([auth.flush(), connectors.flush()]);

    const creds = await connectors.request(ns.subject('auth.read-credentials.v1'), encode({}), { timeout: 3000 });
    const invoked = await executor.request(ns.subject('connectors.invoke.v1'), encode({}), { timeout: 3000 });

    expect(decode(creds.data)).toEqual({ ok: true, data: { served: 'auth.read-credentials.v1' } });
    expect(decode(invoked.data)).toEqual({ ok: true, data: { served: 'connectors.invoke.v1' } });
    expect(readCredentials).toHaveLength(1);
    expect(invoke).toHaveLength(1);
    expect([auth, connectors, executor].flatMap((nc) => errors.get(nc) ?? [])).toEqual([]);
  });

  it.each(['gateway', 'scheduler', 'executor', 'audit'] as const)('%s cannot ask auth for credentials: the request never reaches auth', async (forger) => {
    const auth = await connectAs('auth');
    const received = serveAs(auth, 'auth.read-credentials.v1');
    await auth.flush();
    const caller = await connectAs(forger);

    const attempt = caller.request(ns.subject('auth.read-credentials.v1'), encode({ workspaceId: 'w', connectionId: 'c' }), { timeout: 1500 });

    await expect(attempt).rejects.toMatchObject({ code: ErrorCode.PermissionsViolation });
    await settle();
    expect(received).toEqual([]);
  });

  it("no other service can subscribe to auth's subjects to take its requests, nor read another service's replies", async () => {
    const auth = await connectAs('auth');
    const received = serveAs(auth, 'auth.read-credentials.v1');
    const gateway = await connectAs('gateway');
    const stolen: string[] = [];
    const denied: string[] = [];
    const steal = (subject: string, queue?: string) =>
      gateway.subscribe(subject, { ...(queue ? { queue } : {}), callback: (err, m) => (err ? denied.push(err.message) : stolen.push(m.subject)) });
    steal(ns.subject('auth.read-credentials.v1'), ns.subject('auth.read-credentials.v1'));
    steal(ns.subject('auth.>'));
    steal(`${namespace}.>`);
    steal('>');
    steal(`${serviceInboxPrefix(ns, 'connectors')}.>`);
    steal('_INBOX.>');
    await Promise.all([auth.flush(), gateway.flush().catch(() => undefined)]);
    // a connection that borrows connectors' inbox prefix with its own identity is refused as well
    const impostor = await connectAs('scheduler', 'connectors');
    const impostorAttempt = impostor.request(ns.subject('auth.read-credentials.v1'), encode({}), { timeout: 1500 });

    const connectors = await connectAs('connectors');
    for (let i = 0; i < 3; i++) {
      const reply = await connectors.request(ns.subject('auth.read-credentials.v1'), encode({}), { timeout: 3000 });
      expect(decode(reply.data).ok).toBe(true);
    }

    await expect(impostorAttempt).rejects.toBeDefined();
    await settle();
    expect(received).toHaveLength(3);
    expect(stolen).toEqual([]);
    expect(denied).toHaveLength(6);
    expect(denied.every((e) => /Permissions Violation for Subscription/i.test(e))).toBe(true);
  });

  it('only auth, the executor and the scheduler may write audit events; nobody else can read, purge or remove the AUDIT stream', async () => {
    const audit = await connectAs('audit');
    const stream = ns.stream('AUDIT');
    const auditJsm = await audit.jetstreamManager();
    await auditJsm.streams.add({ name: stream, subjects: [ns.subject('audit.event.>')] });
    const event = encode({ id: 'forged', action: 'connection.deleted' });

    // the scheduler audits its skipped and caught-up ticks; the gateway, connectors and audit itself write none
    for (const forger of ['gateway', 'connectors', 'audit'] as const) {
      const js = (await connectAs(forger)).jetstream();
      await expect(js.publish(ns.subject('audit.event.recorded.v1'), event, { timeout: 1500 })).rejects.toBeDefined();
    }
    expect((await auditJsm.streams.info(stream)).state.messages).toBe(0);

    const ack = await (await connectAs('auth')).jetstream().publish(ns.subject('audit.event.recorded.v1'), event, { timeout: 3000 });
    expect(ack.stream).toBe(stream);
    const scheduled = await (await connectAs('scheduler')).jetstream().publish(ns.subject('audit.event.recorded.v1'), encode({ id: 'misfire' }), { timeout: 3000 });
    expect(scheduled.stream).toBe(stream);

    const connectorsJsm = await (await connectAs('connectors')).jetstreamManager();
    await expect(connectorsJsm.streams.getMessage(stream, { seq: 1 })).rejects.toBeDefined();
    await expect(connectorsJsm.streams.purge(stream)).rejects.toBeDefined();
    await expect(connectorsJsm.streams.delete(stream)).rejects.toBeDefined();
    const executorJsm = await (await connectAs('executor')).jetstreamManager();
    await expect(executorJsm.consumers.add(stream, { durable_name: ns.consumer('audit-store') })).rejects.toBeDefined();
    // a publisher accountable to the audit log cannot shorten its retention
    await expect(executorJsm.streams.update(stream, { max_age: 1_000_000_000 })).rejects.toBeDefined();
    const authJsm = await (await connectAs('auth')).jetstreamManager();
    await expect(authJsm.streams.update(stream, { max_msgs: 1 })).rejects.toBeDefined();
    expect((await auditJsm.streams.info(stream)).config.max_msgs).toBe(-1);
    expect((await auditJsm.streams.info(stream)).state.messages).toBe(2);
  });

  it("the gateway cannot attach a consumer to the trigger stream to take the executor's work", async () => {
    const executor = await connectAs('executor');
    const executorJsm = await executor.jetstreamManager();
    const stream = ns.stream('TRIGGERS');
    await executorJsm.streams.add({ name: stream, subjects: [ns.subject('executor.trigger.>')] });
    const gateway = await connectAs('gateway');
    const gatewayJsm = await gateway.jetstreamManager();

    await gateway.jetstream().publish(ns.subject('executor.trigger.received.v1'), encode({ n: 1 }), { timeout: 3000 });
    await expect(gatewayJsm.consumers.add(stream, { durable_name: 'thief', filter_subject: ns.subject('executor.trigger.>') })).rejects.toBeDefined();
    await expect(gatewayJsm.consumers.add(stream, { durable_name: ns.consumer('executor-trigger-intake') })).rejects.toBeDefined();
    await expect(gateway.jetstream().publish(ns.subject('scheduler.tick.fired.v1'), encode({}), { timeout: 1500 })).rejects.toBeDefined();
    await expect(gatewayJsm.streams.update(stream, { max_age: 1_000_000_000 })).rejects.toBeDefined();

    await executorJsm.consumers.add(stream, {
      durable_name: ns.consumer('executor-trigger-intake'),
      ack_policy: 'explicit' as never,
      filter_subject: ns.subject('executor.trigger.received.v1'),
    });
    const consumer = await executor.jetstream().consumers.get(stream, ns.consumer('executor-trigger-intake'));
    const msg = await consumer.next({ expires: 3000 });
    expect(msg && decode(msg.data)).toEqual({ n: 1 });
    expect(await msg?.ackAck()).toBe(true);
    // the gateway's backpressure check may read the executor's backlog, nothing more
    expect((await gatewayJsm.consumers.info(stream, ns.consumer('executor-trigger-intake'))).num_pending).toBe(0);
  });

  describe('a real auth service with its generated credentials', () => {
    let auth: ServiceProcess | undefined;

    afterAll(async () => {
      await auth?.stop();
      await dropDatabase(TEST_SERVERS.postgres, `${namespace}_auth`);
    }, 30_000);

    it('becomes ready, answers the gateway, and never needs more than it was granted', async () => {
      const service = await startServiceProcess(
        'auth',
        {
          JUNCTION_NAMESPACE: namespace,
          NATS_URL: url,
          NATS_NKEY_SEED: envOf('auth')['NATS_NKEY_SEED'],
          REDIS_URL: TEST_SERVERS.redis,
          DATABASE_URL: TEST_SERVERS.postgres,
          JUNCTION_MASTER_KEYS: `t1:${randomBytes(32).toString('base64')}`,
        },
        60_000,
      );
      auth = service;
      const ready = await waitFor(async () => {
        const res = await fetch(`${service.url}/health/ready`);
        return res.status === 200 ? res : undefined;
      }, 20_000);
      expect(ready.status).toBe(200);

      const gateway = await connectAs('gateway');
      const jwks = decode((await gateway.request(ns.subject('auth.get-jwks.v1'), encode({}), { timeout: 5000 })).data);
      expect(jwks).toMatchObject({ ok: true });
      const connectors = await connectAs('connectors');
      const refused = decode((await connectors.request(ns.subject('auth.read-credentials.v1'), encode({}), { timeout: 5000 })).data);
      expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
      await expect(gateway.request(ns.subject('auth.read-credentials.v1'), encode({}), { timeout: 1500 })).rejects.toMatchObject({
        code: ErrorCode.PermissionsViolation,
      });
      expect(service.output.join('\n')).not.toMatch(/Permissions Violation/i);
    }, 90_000);
  });
});
