import { failedDeliveryOutcome, redeliveryDelayMs } from './redelivery';
import { InvalidMessageError } from './validation';

describe('redelivery', () => {
  it('backs off exponentially with full jitter, capped', () => {
    for (let i = 0; i < 200; i++) {
      expect(redeliveryDelayMs(1)).toBeLessThan(500);
      expect(redeliveryDelayMs(3)).toBeLessThan(2000); // 500 * 2^2
      expect(redeliveryDelayMs(30)).toBeLessThan(30_000);
    }
  });

  it('redelivers a failed message with backoff until its last delivery, then drops it as a dead letter', () => {
    expect(failedDeliveryOutcome(new Error('refused'), 2, 3)).toMatchObject({ outcome: { action: 'retry' }, log: { level: 'warn' } });
    expect(failedDeliveryOutcome(new Error('refused'), 3, 3)).toEqual({
      outcome: { action: 'drop', reason: 'max deliveries reached' },
      log: { level: 'error', message: 'durable message failed on its last delivery' },
    });
  });

  it('drops an unreadable message at once, and retries soon when a server is away', () => {
    expect(failedDeliveryOutcome(new InvalidMessageError('x', []), 1, 10).outcome.action).toBe('drop');
    expect(failedDeliveryOutcome(new SyntaxError('bad json'), 1, 10).outcome.action).toBe('drop');
    const away = failedDeliveryOutcome(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 9, 10);
    expect(away.outcome).toMatchObject({ action: 'retry' });
    expect(away.log).toBeUndefined();
  });
});
