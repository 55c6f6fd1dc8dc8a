import { IsInt, IsString, Max, Min } from 'class-validator';
import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { ServiceMetrics } from '@junction/platform/metrics';
import {
  DeadlineExceededError,
  InvalidMessageError,
  Namespace,
  RemoteError,
  childTraceparent,
  defineRpc,
  messageContext,
  traceIdOf,
  type IncomingMeta,
} from '@junction/platform/ports';
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

class EchoRequest {
  @IsString()
  text: string;
}

const Add = defineRpc('math.add.v1', AddRequest, AddResponse, { timeoutMs: 2000 });
const Slow = defineRpc('math.slow.v1', EchoRequest, EchoRequest, { timeoutMs: 300 });
const Nobody = defineRpc('math.nobody.v1', EchoRequest, EchoRequest, { timeoutMs: 2000 });
const Broken = defineRpc('math.broken.v1', EchoRequest, AddResponse, { timeoutMs: 2000 });

describe('NatsMessageBus (real NATS)', () => {
  let nc: NatsConnection;
  let bus: NatsMessageBus;
  let ns: Namespace;
  const seen: IncomingMeta[] = [];
  let handled = 0;

  beforeAll(async () => {
    nc = await connect({ servers: TEST_SERVERS.nats });
    ns = new Namespace(uniqueNamespace('bus'));
    bus = new NatsMessageBus(nc, ns, pino({ level: 'silent' }), new ServiceMetrics('test'), 5000);
    await bus.serve(Add, async (req, meta) => {
      handled++;
      seen.push(meta);
      return { sum: req.a + req.b };
    });
    await bus.serve(Slow, async (req) => {
      await new Promise((r) => setTimeout(r, 1000));
      return req;
    });
    // answers with a payload that breaks its own contract (sum must be an integer)
    await bus.serve(Broken, async () => ({ sum: 'three' }) as unknown as AddResponse);
  });

  afterAll(async () => {
    await nc.drain();
  });

  it('answers a request and carries trace and workspace to the handler', async () => {
    const traceparent = childTraceparent();
    const result = await messageContext.run({ traceparent, workspaceId: 'ws_a' }, () => bus.request(Add, { a: 2, b: 3 }));
    expect(result).toEqual({ sum: 5 });
    const meta = seen.at(-1);
    expect(meta?.workspaceId).toBe('ws_a');
    expect(traceIdOf(meta?.traceparent)).toBe(traceIdOf(traceparent));
    expect(meta?.traceparent).not.toBe(traceparent); // a child span, same trace
    expect(meta?.deadline).toBeGreaterThan(Date.now());
  });

  it('rejects an invalid request before sending it', async () => {
    const before = handled;
    await expect(bus.request(Add, { a: 2, b: 'x' } as unknown as AddRequest)).rejects.toBeInstanceOf(InvalidMessageError);
    expect(handled).toBe(before);
  });

  it('rejects an invalid request on the receiving side too, with a typed error listing the fields', async () => {
    const before = handled;
    const reply = await nc.request(ns.subject(Add.subject), encodeJson({ a: -1, b: 2, extra: true }), { timeout: 2000 });
    const envelope = JSON.parse(new TextDecoder().decode(reply.data)) as { ok: boolean; error: { code: string; errors: { path: string }[] } };
    expect(envelope.ok).toBe(false);
    expect(envelope.error.code).toBe('invalid_request');
    expect(envelope.error.errors.map((e) => e.path).sort()).toEqual(['a', 'extra']);
    expect(handled).toBe(before);
  });

  it('refuses a __proto__ key on receipt', async () => {
    const reply = await nc.request(ns.subject(Add.subject), new TextEncoder().encode('{"a":1,"b":2,"__proto__":{"polluted":true}}'), { timeout: 2000 });
    const envelope = JSON.parse(new TextDecoder().decode(reply.data)) as { ok: boolean; error: { code: string } };
    expect(envelope).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('fails with DeadlineExceededError when the handler is slower than the deadline', async () => {
    const started = Date.now();
    const error = await bus.request(Slow, { text: 'hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as DeadlineExceededError).noResponders).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('fails at once with noResponders when no service listens', async () => {
    const started = Date.now();
    const error = await bus.request(Nobody, { text: 'hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as DeadlineExceededError).noResponders).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('reports a handler whose answer breaks the contract as an internal error, not as data', async () => {
    const error = await bus.request(Broken, { text: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).code).toBe('internal');
  });

  it('propagates a typed RemoteError from the handler', async () => {
    const NotThere = defineRpc('math.lookup.v1', EchoRequest, EchoRequest);
    const sub = await bus.serve(NotThere, async (req) => {
      throw new RemoteError('not_found', `no entry ${req.text}`);
    });
    const error = await bus.request(NotThere, { text: 'k1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: 'not_found', message: 'no entry k1' });
    await sub.close();
  });

  it('shares work between replicas serving the same subject', async () => {
    const Count = defineRpc('math.count.v1', EchoRequest, EchoRequest);
    const byReplica = [0, 0];
    const subs = await Promise.all(
      [0, 1].map((i) =>
        bus.serve(Count, async (req) => {
          byReplica[i]++;
          return req;
        }),
      ),
    );
    await Promise.all(Array.from({ length: 40 }, (_, i) => bus.request(Count, { text: String(i) })));
    expect(byReplica[0] + byReplica[1]).toBe(40); // each request handled once, not once per replica
    await Promise.all(subs.map((s) => s.close()));
  });
});
