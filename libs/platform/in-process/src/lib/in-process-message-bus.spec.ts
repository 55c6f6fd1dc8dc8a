import { AsyncLocalStorage } from 'node:async_hooks';
import { IsString } from 'class-validator';
import pino from 'pino';
import { defineRpc, defineSignal, messageContext } from '@junction/platform/ports';
import { InProcessHub } from './in-process-hub';
import { IN_PROCESS_READINESS } from './in-process-readiness';
import { InProcessMessageBus } from './in-process-message-bus';

class Text {
  @IsString()
  text: string;
}

const Echo = defineRpc('unit.echo.v1', Text, Text, { timeoutMs: 2000 });
const Said = defineSignal('unit.said.v1', Text);
const logger = pino({ level: 'silent' });

/*
 * What only the in-process adapter needs proving; what both bus adapters promise is in
 * contracts/message-bus.contract.int-spec.ts and signal-bus.contract.int-spec.ts.
 */
describe('InProcessMessageBus', () => {
  let hub: InProcessHub;
  let a: InProcessMessageBus;
  let b: InProcessMessageBus;

  beforeEach(() => {
    hub = new InProcessHub();
    a = new InProcessMessageBus(hub, { logger, requestTimeoutMs: 2000 });
    b = new InProcessMessageBus(hub, { logger, requestTimeoutMs: 2000 });
  });

  it('runs a handler in the async context it was served from, never in the caller’s', async () => {
    const callerOnly = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    await b.serve(Echo, async (req) => {
      seen.push(callerOnly.getStore(), messageContext.current()?.workspaceId);
      return req;
    });
    await callerOnly.run('caller state', () =>
      messageContext.run({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', workspaceId: 'ws_1' }, () => a.request(Echo, { text: 'x' })),
    );
    expect(seen).toEqual([undefined, 'ws_1']); // the trace context travels as data, nothing else does
  });

  it('serves one subject’s servers strictly in turn', async () => {
    const order: string[] = [];
    await a.serve(Echo, async (req) => (order.push('a'), req));
    await b.serve(Echo, async (req) => (order.push('b'), req));
    for (let i = 0; i < 6; i++) await a.request(Echo, { text: String(i) });
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
  });

  it('finishes a request in flight when its server closes', async () => {
    let release: () => void = () => undefined;
    const sub = await b.serve(Echo, async (req) => {
      await new Promise<void>((r) => (release = r));
      return req;
    });
    const answer = a.request(Echo, { text: 'in flight' });
    await new Promise((r) => setImmediate(r));
    await sub.close();
    release();
    await expect(answer).resolves.toEqual({ text: 'in flight' });
    await expect(a.request(Echo, { text: 'after' })).rejects.toMatchObject({ noResponders: true });
  });

  it('delivers a signal after the emitter’s turn, not inside emit', async () => {
    const got: string[] = [];
    await b.listen(Said, (p) => void got.push(p.text));
    await a.emit(Said, { text: 'hello' });
    expect(got).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual(['hello']);
  });

  it('a listener that throws is logged and does not stop the others', async () => {
    const got: string[] = [];
    await b.listen(Said, () => {
      throw new Error('listener bug');
    });
    await b.listen(Said, (p) => void got.push(p.text));
    await a.emit(Said, { text: 'still delivered' });
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual(['still delivered']);
  });

  it('is always ready', async () => {
    expect(IN_PROCESS_READINESS.name).toBe('in-process');
    await expect(IN_PROCESS_READINESS.check(1)).resolves.toBeUndefined();
  });
});
