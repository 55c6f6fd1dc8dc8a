import { IsInt, Max, Min } from 'class-validator';
import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { ServiceMetrics } from '@junction/platform/metrics';
import { Namespace, defineRpc } from '@junction/platform/ports';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { encodeJson } from './wire';
import { NatsMessageBus } from './nats-message-bus';

class AddRequest {
  @IsInt()
  @Min(0)
  @Max(1000)
  a: number;

  @IsInt()
  @Min(0)
  @Max(1000)
  b: number;
}

class AddResponse {
  @IsInt()
  sum: number;
}

const Add = defineRpc('math.add.v1', AddRequest, AddResponse, { timeoutMs: 2000 });

/*
 * What NATS itself puts in reach: raw bytes on a subject. What every MessageBus adapter promises
 * (round trip, trace context, validation, error mapping, deadlines, load sharing) is proved for
 * this adapter and the in-process one alike in
 * libs/platform/in-process/src/lib/contracts/message-bus.contract.int-spec.ts.
 */
describe('NatsMessageBus on the wire (real NATS)', () => {
  let nc: NatsConnection;
  let bus: NatsMessageBus;
  let ns: Namespace;
  let handled = 0;

  beforeAll(async () => {
    nc = await connect({ servers: TEST_SERVERS.nats });
    ns = new Namespace(uniqueNamespace('bus'));
    bus = new NatsMessageBus(nc, ns, pino({ level: 'silent' }), new ServiceMetrics('test'), 5000);
    await bus.serve(Add, async (req) => {
      handled++;
      return { sum: req.a + req.b };
    });
  });

  afterAll(async () => {
    await nc.drain();
  });

  it('rejects an invalid request on the receiving side, with a typed error listing the fields', async () => {
    const before = handled;
    const reply = await nc.request(ns.subject(Add.subject), encodeJson({ a: -1, b: 2, extra: true }), { timeout: 2000 });
    const envelope = JSON.parse(new TextDecoder().decode(reply.data)) as { ok: boolean; error: { code: string; refused?: string; errors: { path: string }[] } };
    expect(envelope.ok).toBe(false);
    expect(envelope.error.code).toBe('invalid_request');
    // the receiver's own check, which the caller throws as an InvalidMessageError (#19: the only check of a request)
    expect(envelope.error.refused).toBe('request');
    expect(envelope.error.errors.map((e) => e.path).sort()).toEqual(['a', 'extra']);
    expect(handled).toBe(before);
  });

  it('refuses a __proto__ key on receipt', async () => {
    const reply = await nc.request(ns.subject(Add.subject), new TextEncoder().encode('{"a":1,"b":2,"__proto__":{"polluted":true}}'), { timeout: 2000 });
    const envelope = JSON.parse(new TextDecoder().decode(reply.data)) as { ok: boolean; error: { code: string } };
    expect(envelope).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('sends the replies finished in one event-loop turn in one socket write (#19)', async () => {
    const Slow = defineRpc('math.slow.v1', AddRequest, AddResponse, { timeoutMs: 2000 });
    // each handler resumes in its own macrotask of the same turn: without the batching, each reply was its own write
    const gates: (() => void)[] = [];
    const all = 20;
    await bus.serve(Slow, async (req) => {
      await new Promise<void>((resolve) => {
        if (gates.push(resolve) === all) for (const open of gates) setImmediate(open);
      });
      return { sum: req.a + req.b };
    });
    const transport = (nc as unknown as { protocol: { transport: { send(data: Uint8Array): void } } }).protocol.transport;
    const send = transport.send.bind(transport);
    let writes = 0;
    transport.send = (data) => {
      writes++;
      send(data);
    };
    const callerNc = await connect({ servers: TEST_SERVERS.nats });
    try {
      const caller = new NatsMessageBus(callerNc, ns, pino({ level: 'silent' }), new ServiceMetrics('test'), 5000);
      const sums = await Promise.all(Array.from({ length: all }, (_, i) => caller.request(Slow, { a: i, b: 1 })));
      expect(sums.map((r) => r.sum)).toEqual(Array.from({ length: all }, (_, i) => i + 1));
      expect(writes).toBe(1);
    } finally {
      transport.send = send;
      await callerNc.drain();
    }
  });
});
