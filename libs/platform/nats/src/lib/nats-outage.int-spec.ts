import { IsString } from 'class-validator';
import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { ServiceMetrics } from '@junction/platform/metrics';
import { ConnectionLostError, Namespace, RemoteError, defineEvent, defineRpc, defineStream } from '@junction/platform/ports';
import { startNatsServer, uniqueNamespace, waitFor, type ThrowawayServer } from '@junction/shared/testing';
import { JetStreamQueue } from './jetstream-queue';
import { NatsLink } from './nats-link';
import { NatsMessageBus } from './nats-message-bus';

class Text {
  @IsString()
  text: string;
}

// long deadlines: the point is that a dropped connection does not wait them out
const Slow = defineRpc('outage.slow.v1', Text, Text, { timeoutMs: 60_000 });
const Echo = defineRpc('outage.echo.v1', Text, Text, { timeoutMs: 60_000 });
const NeedsDatabase = defineRpc('outage.db.v1', Text, Text, { timeoutMs: 10_000 });
const Stream = defineStream({ name: 'OUTAGE', subjects: ['outage.happened.>'], duplicateWindowMs: 60_000, maxAgeMs: 3600_000 });
const Happened = defineEvent('outage.happened.v1', Text, Stream);

const reconnecting = { maxReconnectAttempts: -1, reconnectTimeWait: 100, pingInterval: 10_000 } as const;

/** The bus and the queue against a nats-server of the test's own, which is killed under them. */
describe('NATS outages: calls fail at once instead of waiting out their deadline', () => {
  let server: ThrowawayServer;
  let serving: NatsConnection;
  let calling: NatsConnection;
  let bus: NatsMessageBus;
  let queue: JetStreamQueue;
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });

  beforeAll(async () => {
    server = await startNatsServer();
    const url = `nats://127.0.0.1:${server.port}`;
    const ns = new Namespace(uniqueNamespace('outage'));
    serving = await connect({ servers: url, ...reconnecting });
    calling = await connect({ servers: url, ...reconnecting });
    NatsLink.of(calling, { logger });
    const server_ = new NatsMessageBus(serving, ns, pino({ level: 'silent' }), new ServiceMetrics('outage_srv'), 60_000);
    await server_.serve(Slow, async (req) => {
      await new Promise((r) => setTimeout(r, 1_500));
      return req;
    });
    await server_.serve(Echo, async (req) => req);
    await server_.serve(NeedsDatabase, async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    });
    bus = new NatsMessageBus(calling, ns, logger, new ServiceMetrics('outage_cli'), 60_000);
    queue = new JetStreamQueue(calling, await calling.jetstreamManager(), calling.jetstream(), ns, logger, new ServiceMetrics('outage_q'), 1);
    await queue.ensureStream(Stream);
  });

  afterAll(async () => {
    await Promise.all([serving.close(), calling.close()]);
    await server.dispose();
  });

  it('fails a request in flight at the moment the server dies, refuses new ones while it is away, and works again after', async () => {
    expect(await bus.request(Echo, { text: 'before' })).toEqual({ text: 'before' });
    const inFlight = bus.request(Slow, { text: 'cut' }).then(
      () => 'answered',
      (error: unknown) => error,
    );
    await new Promise((r) => setTimeout(r, 300));
    const killedAt = Date.now();
    await server.kill();
    const outcome = await inFlight;
    expect(outcome).toBeInstanceOf(ConnectionLostError);
    // the deadline was 60 s: the drop is noticed from the socket, not the timer
    expect(Date.now() - killedAt).toBeLessThan(2_000);

    const refusedAt = Date.now();
    await expect(bus.request(Echo, { text: 'while down' })).rejects.toBeInstanceOf(ConnectionLostError);
    await expect(queue.publish(Happened, { text: 'while down' }, { msgId: 'down-1' })).rejects.toBeInstanceOf(ConnectionLostError);
    expect(Date.now() - refusedAt).toBeLessThan(500);
    expect(NatsLink.of(calling).isUp).toBe(false);

    await server.restart();
    await waitFor(() => NatsLink.of(calling).isUp, 10_000, 50);
    await waitFor(() => bus.request(Echo, { text: 'after' }).catch(() => undefined), 10_000, 200);
    const published = await waitFor(() => queue.publish(Happened, { text: 'after' }, { msgId: 'up-1' }).catch(() => undefined), 15_000, 200);
    expect(published.duplicate).toBe(false);

    // one line for the outage, one for the recovery (with the calls refused meanwhile), nothing per call
    const natsLines = logs.map((l) => JSON.parse(l) as { msg: string; dependency?: string; failed?: number }).filter((l) => l.dependency === 'NATS');
    expect(natsLines.map((l) => l.msg)).toEqual(['NATS unavailable', 'NATS available again']);
    // the call cut in flight, the request and the publish refused while away
    expect(natsLines[1].failed).toBe(3);
  }, 60_000);

  it('a handler that cannot reach its database answers `unavailable` (a 503 to retry), not an internal error', async () => {
    const error = await bus.request(NeedsDatabase, { text: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).code).toBe('unavailable');
  });
});
