import type { DistributedLock } from '@junction/platform/ports';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { LOCK_ADAPTERS, type StoreWorld } from './adapters';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(LOCK_ADAPTERS)('DistributedLock contract: $name', (adapter) => {
  let world: StoreWorld<DistributedLock>;
  let lock: DistributedLock;

  beforeAll(async () => {
    world = await adapter.open(TEST_SERVERS, uniqueNamespace('lockc'));
    lock = world.store;
  });

  afterAll(async () => {
    await world.dispose();
  });

  it('gives a lock to one of many concurrent contenders, and other keys stay free', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => lock.tryAcquire('refresh:conn1', 5000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const other = await lock.tryAcquire('refresh:conn2', 5000);
    expect(other).toBeDefined();
    await other?.release();
  });

  it('frees the lock when its holder releases it', async () => {
    const held = await lock.tryAcquire('job:1', 5000);
    expect(held).toBeDefined();
    expect(await lock.tryAcquire('job:1', 5000)).toBeUndefined();
    await held?.release();
    const next = await lock.tryAcquire('job:1', 5000);
    expect(next).toBeDefined();
    await next?.release();
  });

  it('frees the lock when the lease expires, without a release', async () => {
    expect(await lock.tryAcquire('job:lease', 100)).toBeDefined();
    expect(await lock.tryAcquire('job:lease', 100)).toBeUndefined();
    await sleep(250);
    const next = await lock.tryAcquire('job:lease', 5000);
    expect(next).toBeDefined();
    await next?.release();
  });

  it('does not let an expired holder release the lock its successor took', async () => {
    const first = await lock.tryAcquire('job:7', 100);
    expect(first).toBeDefined();
    await sleep(250);
    const second = await lock.tryAcquire('job:7', 5000);
    expect(second).toBeDefined();
    await first?.release();
    expect(await lock.tryAcquire('job:7', 5000)).toBeUndefined(); // still held by the second
    await second?.release();
    await second?.release(); // twice is harmless
    const third = await lock.tryAcquire('job:7', 5000);
    expect(third).toBeDefined();
    await third?.release();
  });

  it('refuses a lease of no length', async () => {
    await expect(lock.tryAcquire('job:zero', 0)).rejects.toThrow();
    const after = await lock.tryAcquire('job:zero', 5000);
    expect(after).toBeDefined();
    await after?.release();
  });
});
