import { subjectMatches } from '@junction/platform/ports';
import { Fifo } from './fifo';
import { subjectRegex } from './queue-store';
import { SharedGate } from './shared-gate';

describe('subjectRegex', () => {
  const cases: [string, string][] = [
    ['shop.order.placed.v1', 'shop.order.placed.v1'],
    ['shop.order.placed.v1', 'shop.order.placedxv1'],
    ['shop.*.placed.v1', 'shop.order.placed.v1'],
    ['shop.*.placed.v1', 'shop.order.x.placed.v1'],
    ['shop.>', 'shop.order.placed.v1'],
    ['shop.>', 'shop'],
    ['shop.>', 'shopping.order'],
    ['a-b.c_d.v1', 'a-b.c_d.v1'],
  ];

  it.each(cases)('matches %s against %s exactly as NATS wildcards do', (pattern, subject) => {
    expect(new RegExp(subjectRegex(pattern)).test(subject)).toBe(subjectMatches(pattern, subject));
  });
});

describe('SharedGate', () => {
  it('runs shared sections together and an exclusive one alone, holding later shared ones back', async () => {
    const gate = new SharedGate();
    const log: string[] = [];
    let releaseFirst: () => void = () => undefined;
    const first = gate.shared(async () => {
      log.push('shared 1 in');
      await new Promise<void>((r) => (releaseFirst = r));
      log.push('shared 1 out');
    });
    const exclusive = gate.exclusive(async () => {
      log.push('exclusive');
    });
    const second = gate.shared(async () => {
      log.push('shared 2');
    });
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['shared 1 in']);
    releaseFirst();
    await Promise.all([first, exclusive, second]);
    expect(log).toEqual(['shared 1 in', 'shared 1 out', 'exclusive', 'shared 2']);
  });

  it('releases the gate when a section throws', async () => {
    const gate = new SharedGate();
    await expect(gate.exclusive(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(gate.shared(async () => 'ok')).resolves.toBe('ok');
  });
});

describe('Fifo', () => {
  it('keeps order across compactions', () => {
    const fifo = new Fifo<number>();
    const out: number[] = [];
    for (let i = 0; i < 5000; i++) {
      fifo.push(i);
      if (i % 3 === 0) out.push(fifo.shift() as number);
    }
    while (fifo.size > 0) out.push(fifo.shift() as number);
    expect(out).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(fifo.shift()).toBeUndefined();
  });
});
