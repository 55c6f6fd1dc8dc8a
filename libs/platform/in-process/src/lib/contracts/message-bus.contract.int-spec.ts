import { Allow, IsInt, IsString, Max, Min } from 'class-validator';
import pino from 'pino';
import { ServiceMetrics } from '@junction/platform/metrics';
import {
  DeadlineExceededError,
  InvalidMessageError,
  RemoteError,
  UndeclaredAccessError,
  childTraceparent,
  defineRpc,
  messageContext,
  traceIdOf,
  type IncomingMeta,
  type MessageBus,
  type ServiceAccess,
  type SignalBus,
} from '@junction/platform/ports';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { BUS_ADAPTERS, type BusWorld } from './adapters';

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

/** Takes anything: a caller or server of this shape on a strict contract's subject sends what the strict side refuses. */
class Anything {
  @Allow()
  a?: unknown;

  @Allow()
  b?: unknown;

  @Allow()
  sum?: unknown;

  @Allow()
  extra?: unknown;
}

class Text {
  @IsString()
  text: string;
}

class Doc {
  @IsString()
  text: string;

  @Allow()
  tags: string[];
}

const Add = defineRpc('contract.add.v1', AddRequest, AddResponse, { timeoutMs: 2000 });
const AddLoosely = defineRpc('contract.add.v1', Anything, Anything, { timeoutMs: 2000 });
const Slow = defineRpc('contract.slow.v1', Text, Text, { timeoutMs: 300 });
const Nobody = defineRpc('contract.nobody.v1', Text, Text, { timeoutMs: 2000 });
const Broken = defineRpc('contract.broken.v1', Text, AddResponse, { timeoutMs: 2000 });
const Loose = defineRpc('contract.loose.v1', Text, Anything, { timeoutMs: 2000 });
const Strict = defineRpc('contract.loose.v1', Text, AddResponse, { timeoutMs: 2000 });
const Fails = defineRpc('contract.fails.v1', Text, Text, { timeoutMs: 2000 });
const Mutate = defineRpc('contract.mutate.v1', Doc, Doc, { timeoutMs: 2000 });
const Count = defineRpc('contract.count.v1', Text, Text, { timeoutMs: 2000 });
const Closing = defineRpc('contract.closing.v1', Text, Text, { timeoutMs: 2000 });

/** `subject:outcome` of every series of a histogram that counted something. */
async function counted(metrics: ServiceMetrics, name: string): Promise<string[]> {
  const text = await metrics.registry.getSingleMetricAsString(name);
  const series = [...text.matchAll(/_count\{([^}]*)\} (\d+)/g)].filter((m) => Number(m[2]) > 0);
  return series.map((m) => `${/subject="([^"]*)"/.exec(m[1])?.[1]}:${/outcome="([^"]*)"/.exec(m[1])?.[1]}`).sort();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logger = pino({ level: 'silent' });

describe.each(BUS_ADAPTERS)('MessageBus contract: $name', (adapter) => {
  let world: BusWorld;
  let server: MessageBus & SignalBus;
  let client: MessageBus & SignalBus;
  const seen: IncomingMeta[] = [];
  let handled = 0;

  beforeAll(async () => {
    world = await adapter.open(TEST_SERVERS, uniqueNamespace('busc'));
    [server, client] = await Promise.all([world.bus({ logger }), world.bus({ logger })]);
    await server.serve(Add, async (req, meta) => {
      handled++;
      seen.push(meta);
      return { sum: req.a + req.b };
    });
    await server.serve(Slow, async (req) => {
      await sleep(1000);
      return req;
    });
    // answers with a payload that breaks its own contract (sum must be an integer)
    await server.serve(Broken, async () => ({ sum: 'three' }) as unknown as AddResponse);
    await server.serve(Loose, async () => ({ sum: 'not a number', extra: true }));
    await server.serve(Fails, async (req) => {
      switch (req.text) {
        case 'not-found':
          throw new RemoteError('not_found', 'no entry k1');
        case 'unprocessable':
          throw new RemoteError('unprocessable', 'the recipe is invalid', [{ path: 'steps.0.action', message: 'is unknown' }]);
        case 'database-down':
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        default:
          throw new Error('secret internals: password=hunter2');
      }
    });
    await server.serve(Mutate, async (req) => {
      req.tags.push('seen by handler');
      return req;
    });
  });

  afterAll(async () => {
    await world.dispose();
  });

  it('answers a request and carries trace and workspace to the handler', async () => {
    const traceparent = childTraceparent();
    const result = await messageContext.run({ traceparent, workspaceId: 'ws_a' }, () => client.request(Add, { a: 2, b: 3 }));
    expect(result).toEqual({ sum: 5 });
    expect(result).toBeInstanceOf(AddResponse);
    const meta = seen.at(-1);
    expect(meta).toMatchObject({ subject: 'contract.add.v1', workspaceId: 'ws_a' });
    expect(traceIdOf(meta?.traceparent)).toBe(traceIdOf(traceparent));
    expect(meta?.traceparent).not.toBe(traceparent); // a child span, same trace
    expect(meta?.deadline).toBeGreaterThan(Date.now());
    expect(meta?.deadline).toBeLessThanOrEqual(Date.now() + 2000);
  });

  it('starts a trace when the caller has none, and takes the workspace from the options over the context', async () => {
    await client.request(Add, { a: 1, b: 1 });
    expect(traceIdOf(seen.at(-1)?.traceparent)).toMatch(/^[0-9a-f]{32}$/);
    expect(seen.at(-1)?.workspaceId).toBeUndefined();
    await messageContext.run({ traceparent: childTraceparent(), workspaceId: 'ws_context' }, () =>
      client.request(Add, { a: 1, b: 1 }, { workspaceId: 'ws_option', timeoutMs: 900 }),
    );
    expect(seen.at(-1)?.workspaceId).toBe('ws_option');
    expect(seen.at(-1)?.deadline).toBeLessThanOrEqual(Date.now() + 900);
  });

  it('never lets caller and handler share an object', async () => {
    const sent = { text: 'doc', tags: ['mine'] };
    const answer = await client.request(Mutate, sent);
    expect(sent.tags).toEqual(['mine']); // the handler changed its own copy
    expect(answer.tags).toEqual(['mine', 'seen by handler']);
    answer.tags.push('caller');
    expect((await client.request(Mutate, sent)).tags).toEqual(['mine', 'seen by handler']);
  });

  it('leaves the request’s check to the receiver (#19): a malformed request is refused there with the InvalidMessageError the sender used to throw, and its handler never runs', async () => {
    const before = handled;
    const error = await client.request(Add, { a: 2, b: 'x' } as unknown as AddRequest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect((error as InvalidMessageError).what).toBe('contract.add.v1 request');
    expect((error as InvalidMessageError).errors).toContainEqual({ path: 'b', message: 'b must be an integer number' });
    expect(new Set((error as InvalidMessageError).errors.map((e) => e.path))).toEqual(new Set(['b']));
    expect((error as InvalidMessageError).message).toBe(new InvalidMessageError('contract.add.v1 request', (error as InvalidMessageError).errors).message);
    expect(handled).toBe(before);
    // the caller checks nothing itself: with nobody serving the subject, even a malformed request only finds no responder
    await expect(client.request(Nobody, { text: 5 } as unknown as Text)).rejects.toMatchObject({ noResponders: true });
  });

  it('refuses on the receiving side what a caller with a looser contract sends, listing the fields', async () => {
    const before = handled;
    const error = await client.request(AddLoosely, { a: -1, b: 2, extra: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect((error as InvalidMessageError).what).toBe('contract.add.v1 request');
    expect((error as InvalidMessageError).errors.map((e) => e.path).sort()).toEqual(['a', 'extra']);
    expect(handled).toBe(before);
  });

  it('checks an answer on the calling side (its trust boundary), refusing one that breaks the caller’s contract as an internal error of the service, not of the caller', async () => {
    expect(await client.request(Loose, { text: 'x' })).toEqual({ sum: 'not a number', extra: true });
    const lines: string[] = [];
    const logged = await world.bus({ logger: pino({ level: 'error' }, { write: (line: string) => void lines.push(line) }) });
    const error = await logged.request(Strict, { text: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).not.toBeInstanceOf(InvalidMessageError);
    expect(error).toMatchObject({ code: 'internal', message: 'the service failed to handle the request' });
    // the fields are in the caller's log, where the bug can be found
    expect(lines.join('')).toContain('a service answered with an invalid response');
    expect(lines.join('')).toContain('invalid contract.loose.v1 response: extra property extra should not exist; sum sum must be an integer number');
  });

  it('reports a handler whose answer breaks its own contract as an internal error, not as data', async () => {
    const error = await client.request(Broken, { text: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: 'internal', message: 'the service failed to handle the request' });
  });

  it.each([
    ['not-found', { code: 'not_found', message: 'no entry k1' }],
    ['unprocessable', { code: 'unprocessable', message: 'the recipe is invalid', errors: [{ path: 'steps.0.action', message: 'is unknown' }] }],
    ['database-down', { code: 'unavailable', message: 'a server this service needs is unavailable; try again' }],
    ['bug', { code: 'internal', message: 'the service failed to handle the request' }],
  ])('maps a handler failure (%s) to the same RemoteError', async (text, expected) => {
    const error = await client.request(Fails, { text }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect({ ...(error as RemoteError), message: (error as RemoteError).message }).toMatchObject(expected);
    expect((error as RemoteError).message).not.toContain('hunter2');
  });

  it('fails with DeadlineExceededError when the handler is slower than the deadline', async () => {
    const started = Date.now();
    const error = await client.request(Slow, { text: 'hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error).toMatchObject({ subject: 'contract.slow.v1', timeoutMs: 300, noResponders: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('takes a deadline from the request options over the contract’s', async () => {
    const started = Date.now();
    const error = await client.request(Slow, { text: 'hi' }, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error).toMatchObject({ timeoutMs: 100, noResponders: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(Date.now() - started).toBeLessThan(300); // the contract's own 300 ms did not apply
  });

  it('fails at once with noResponders when no service serves the subject', async () => {
    const started = Date.now();
    const error = await client.request(Nobody, { text: 'hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error).toMatchObject({ subject: 'contract.nobody.v1', noResponders: true });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('shares the work between servers of one subject, each request handled once', async () => {
    const other = await world.bus({ logger });
    const byServer = [0, 0];
    const subs = [
      await server.serve(Count, async (req) => {
        byServer[0]++;
        return req;
      }),
      await other.serve(Count, async (req) => {
        byServer[1]++;
        return req;
      }),
    ];
    await Promise.all(Array.from({ length: 40 }, (_, i) => client.request(Count, { text: String(i) })));
    expect(byServer[0] + byServer[1]).toBe(40);
    expect(byServer[0]).toBeGreaterThan(0);
    expect(byServer[1]).toBeGreaterThan(0);
    await Promise.all(subs.map((s) => s.close()));
  });

  it('stops serving once the Closable is closed', async () => {
    const sub = await server.serve(Closing, async (req) => req);
    expect(await client.request(Closing, { text: 'open' })).toEqual({ text: 'open' });
    await sub.close();
    await expect(client.request(Closing, { text: 'closed' })).rejects.toMatchObject({ noResponders: true });
  });

  it('refuses to serve or call what the service did not declare', async () => {
    const access: ServiceAccess = { service: 'contract', serves: [Closing], calls: [Add], publishes: [], consumes: [] };
    const guarded = await world.bus({ logger, access });
    await expect(guarded.serve(Count, async (req) => req)).rejects.toBeInstanceOf(UndeclaredAccessError);
    await expect(guarded.request(Count, { text: 'x' })).rejects.toThrow(/calls contract\.count\.v1/);
    expect(await guarded.request(Add, { a: 1, b: 2 })).toEqual({ sum: 3 });
    const sub = await guarded.serve(Closing, async (req) => req);
    expect(await client.request(Closing, { text: 'declared' })).toEqual({ text: 'declared' });
    await sub.close();
  });

  it('answers a ping', async () => {
    await expect(client.ping(1000)).resolves.toBeUndefined();
  });

  it('records each call’s outcome on both sides in the service metrics', async () => {
    const metrics = new ServiceMetrics('contract');
    const observed = await world.bus({ logger, metrics });
    await observed.request(Add, { a: 1, b: 1 });
    await observed.request(Nobody, { text: 'x' }).catch(() => undefined);
    await observed.request(Add, { a: 1 } as AddRequest).catch(() => undefined);
    const sub = await observed.serve(Closing, async (req) => req);
    await client.request(Closing, { text: 'x' });
    await sub.close();
    expect(await counted(metrics, 'junction_bus_request_duration_seconds')).toEqual(['contract.add.v1:invalid', 'contract.add.v1:ok', 'contract.nobody.v1:timeout']);
    expect(await counted(metrics, 'junction_bus_handler_duration_seconds')).toEqual(['contract.closing.v1:ok']);
  });
});
