import { PublishTurn } from './publish-turn';

/** Like the NATS client: what is sent before its flush microtask runs goes out in one write. */
class Outbound {
  writes: string[][] = [];
  private pending: string[] = [];
  send(message: string): void {
    if (this.pending.push(message) === 1) {
      queueMicrotask(() => {
        this.writes.push(this.pending);
        this.pending = [];
      });
    }
  }
}

/** A request handled in its own I/O callback (its own microtask checkpoint), publishing after a few awaits. */
const requests = (count: number, publish: (id: string) => Promise<void>): Promise<void[]> =>
  Promise.all(Array.from({ length: count }, (_, i) => new Promise<void>((done) => setImmediate(() => void publish(`event-${i}`).then(done)))));

describe('PublishTurn', () => {
  it('lets the publishes of requests handled in separate callbacks of one turn go out in one write, each in order', async () => {
    const outbound = new Outbound();
    const turn = new PublishTurn();
    await requests(5, async (id) => {
      await turn.next();
      await Promise.resolve(); // the publish path's own awaits, the same for each
      outbound.send(id);
    });
    expect(outbound.writes).toEqual([['event-0', 'event-1', 'event-2', 'event-3', 'event-4']]);
  });

  it('without it, each request is its own write (what the turn saves)', async () => {
    const outbound = new Outbound();
    await requests(5, async (id) => {
      await Promise.resolve();
      outbound.send(id);
    });
    expect(outbound.writes).toHaveLength(5);
  });

  it('releases the callers of a later turn on their own', async () => {
    const turn = new PublishTurn();
    const order: string[] = [];
    await turn.next().then(() => order.push('first'));
    await turn.next().then(() => order.push('second'));
    expect(order).toEqual(['first', 'second']);
  });
});
