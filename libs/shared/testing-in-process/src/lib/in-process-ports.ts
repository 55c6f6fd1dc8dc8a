import pino from 'pino';
import { InProcessHub, InProcessMessageBus, MemoryCache, MemoryLock } from '@junction/platform/in-process';
import type { ManualClock } from '@junction/shared/testing';

// The standalone mode's adapters, the same ones the product runs: a feature test gets a real bus,
// cache and lock without a server, instead of a hand-written mock.
export { InProcessHub, InProcessMessageBus, MemoryCache, MemoryLock } from '@junction/platform/in-process';

export interface InProcessPorts {
  /** One process's switchboard: buses made from it reach each other. */
  hub: InProcessHub;
  /** A bus on the hub; serve the contracts the code under test calls on it (or on `busFor()`). */
  bus: InProcessMessageBus;
  /** Another service's bus on the same hub, as a second process would have. */
  busFor(): InProcessMessageBus;
  cache: MemoryCache;
  lock: MemoryLock;
}

/**
 * A bus, a cache and a lock that live in this test: no NATS, no Redis. With a `ManualClock` the
 * cache's and the lock's expiry follow it (`clock.advance` expires entries); the bus's deadlines
 * stay on real time (they guard against a handler that never answers).
 */
export function inProcessPorts(options: { clock?: ManualClock; requestTimeoutMs?: number } = {}): InProcessPorts {
  const hub = new InProcessHub();
  const logger = pino({ level: 'silent' });
  const busFor = (): InProcessMessageBus => new InProcessMessageBus(hub, { logger, requestTimeoutMs: options.requestTimeoutMs ?? 2000 });
  const now = options.clock?.millis;
  return { hub, bus: busFor(), busFor, cache: new MemoryCache(now ? { now } : {}), lock: new MemoryLock(now ? { now } : {}) };
}
