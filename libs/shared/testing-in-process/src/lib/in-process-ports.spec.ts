import { IsString } from 'class-validator';
import { defineRpc } from '@junction/platform/ports';
import { ManualClock } from '@junction/shared/testing';
import { inProcessPorts } from './in-process-ports';

class Name {
  @IsString()
  name: string;
}

const Greet = defineRpc('unit.greet.v1', Name, Name, { timeoutMs: 1000 });

describe('inProcessPorts', () => {
  it('gives buses that reach each other through one hub, and a cache and a lock that expire on the manual clock', async () => {
    const clock = new ManualClock();
    const { bus, busFor, cache, lock } = inProcessPorts({ clock });
    await busFor().serve(Greet, async ({ name }) => ({ name: `hello ${name}` }));
    expect(await bus.request(Greet, { name: 'ada' })).toEqual({ name: 'hello ada' });

    await cache.set('k', 'v', 1000);
    const held = await lock.tryAcquire('job', 5000);
    expect(held).toBeDefined();
    clock.advance(999);
    expect(await cache.get('k')).toBe('v');
    expect(await lock.tryAcquire('job', 5000)).toBeUndefined();
    clock.advance(4001);
    expect(await cache.get('k')).toBeUndefined();
    expect(await lock.tryAcquire('job', 5000)).toBeDefined(); // the lease ran out: a new holder may take it
  });
});
