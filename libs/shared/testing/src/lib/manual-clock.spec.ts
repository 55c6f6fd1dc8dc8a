import { ManualClock } from './manual-clock';

describe('ManualClock', () => {
  it('stands still until advanced, in all three shapes the code base uses', () => {
    const clock = new ManualClock('2026-03-08T01:59:59.500Z');
    const { now, millis } = clock; // handed around unbound, as auth's CLOCK and the adapters' now do
    expect(now().toISOString()).toBe('2026-03-08T01:59:59.500Z');
    clock.advance(600);
    expect(now().toISOString()).toBe('2026-03-08T02:00:00.100Z');
    expect(millis()).toBe(Date.parse('2026-03-08T02:00:00.100Z'));
    expect(now()).not.toBe(now()); // a new Date each time: a caller mutating one cannot move the clock
  });

  it('fires timers in due order as time passes, each seeing its own due time, and none early', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.millis()}`), 200);
    clock.setTimeout(() => fired.push(`a@${clock.millis()}`), 100);
    const cancelled = clock.setTimeout(() => fired.push('cancelled'), 150);
    clock.setTimeout(() => fired.push(`a2@${clock.millis()}`), 100);
    clock.clearTimeout(cancelled);
    clock.advance(99);
    expect(fired).toEqual([]);
    clock.advance(150);
    expect(fired).toEqual(['a@100', 'a2@100', 'b@200']);
    expect(clock.millis()).toBe(249);
    expect(clock.pendingTimers).toBe(0);
  });

  it('fires a timer set by a firing timer when it falls due within the same advance', () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    const every = (ms: number): void => {
      clock.setTimeout(() => {
        fired.push(clock.millis());
        every(ms);
      }, ms);
    };
    every(30);
    clock.advance(100);
    expect(fired).toEqual([30, 60, 90]);
    expect(clock.pendingTimers).toBe(1);
  });

  it('drives an async loop round by round with advanceAsync', async () => {
    const clock = new ManualClock(0);
    const rounds: number[] = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        await Promise.resolve(); // some awaited work per round
        rounds.push(clock.millis());
        await clock.sleep(1000);
      }
    })();
    await clock.advanceAsync(3500);
    expect(rounds).toEqual([0, 1000, 2000, 3000]);
    running = false;
    await clock.advanceAsync(1000);
    await loop;
    expect(rounds).toHaveLength(4);
  });

  it('refuses to go back in time or to advance by a negative or non-number amount', () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    expect(() => clock.set('2025-12-31T23:59:59Z')).toThrow(/cannot go back/);
    expect(() => clock.advance(-1)).toThrow(/non-negative/);
    expect(() => clock.advance(Number.NaN)).toThrow(/non-negative/);
    expect(() => new ManualClock('not a date')).toThrow(/not a time/);
    clock.set('2026-01-02T00:00:00Z');
    expect(clock.now().toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });
});
