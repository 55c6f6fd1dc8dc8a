import { deadline } from './deadline';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function abortedWithin(signal: AbortSignal, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!signal.aborted && Date.now() < until) await pause(5);
  expect(signal.aborted).toBe(true);
}

describe('deadline (one timer for many calls)', () => {
  it('aborts when its time passes, with a TimeoutError as AbortSignal.timeout does', async () => {
    const d = deadline(30);
    expect(d.signal.aborted).toBe(false);
    await pause(60);
    expect(d.signal.aborted).toBe(true);
    expect(d.timedOut).toBe(true);
    expect((d.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('a later call with an earlier deadline fires first; each fires at its own time', async () => {
    const started = Date.now();
    const long = deadline(1_500);
    const short = deadline(20);
    await abortedWithin(short.signal, 1_000);
    expect(long.signal.aborted).toBe(false);
    await abortedWithin(long.signal, 3_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_490);
  });

  it('released, it never aborts', async () => {
    const d = deadline(20);
    const other = deadline(20);
    d.release();
    await pause(50);
    expect(d.signal.aborted).toBe(false);
    expect(other.signal.aborted).toBe(true);
  });

  it('follows its parent: aborted with the parent reason, not as a timeout', async () => {
    const parent = new AbortController();
    const d = deadline(1_000, parent.signal);
    parent.abort(new Error('step cancelled'));
    expect(d.signal.aborted).toBe(true);
    expect(d.timedOut).toBe(false);
    expect((d.signal.reason as Error).message).toBe('step cancelled');
    d.release();
    const already = deadline(1_000, parent.signal);
    expect(already.signal.aborted).toBe(true);
  });

  it('released, it no longer listens to the parent', () => {
    const parent = new AbortController();
    const d = deadline(1_000, parent.signal);
    d.release();
    parent.abort();
    expect(d.signal.aborted).toBe(false);
  });
});
