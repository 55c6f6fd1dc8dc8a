import type { DeadMessage } from './ports';
import { deadBody, failedDeliveryOutcome, keepDeadLetter, redeliveryDelayMs } from './redelivery';
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
      dead: { reason: 'max_deliveries', detail: 'refused' },
    });
  });

  it('drops an unreadable message at once, and retries soon when a server is away', () => {
    const invalid = failedDeliveryOutcome(new InvalidMessageError('x message', [{ path: 'receivedAt', message: 'must be a date' }]), 1, 10);
    expect(invalid).toMatchObject({ outcome: { action: 'drop' }, dead: { reason: 'invalid', detail: 'invalid x message: receivedAt must be a date' } });
    // the parser's message quotes the body: it is not kept
    expect(failedDeliveryOutcome(new SyntaxError('Unexpected token \'h\', "hunter2" is not valid JSON'), 1, 10)).toMatchObject({
      outcome: { action: 'drop' },
      dead: { reason: 'invalid', detail: 'the body is not JSON' },
    });
    const away = failedDeliveryOutcome(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 9, 10);
    expect(away.outcome).toMatchObject({ action: 'retry' });
    expect(away.log).toBeUndefined();
  });

  it('keeps a dead message through the consumer, or redelivers it while keeping fails and deliveries remain', async () => {
    const message: DeadMessage = { subject: 's', sequence: 7, deliveryCount: 2, reason: 'invalid', detail: 'bad', body: deadBody('{"a":1}') };
    expect(message.body).toEqual({ a: 1 });
    expect(deadBody('not json')).toBe('not json');
    const kept: DeadMessage[] = [];
    expect(await keepDeadLetter(async (m) => void kept.push(m), message, 3)).toEqual({ outcome: { action: 'drop', reason: 'bad' } });
    expect(kept).toEqual([message]);
    expect(await keepDeadLetter(undefined, message, 3)).toEqual({ outcome: { action: 'drop', reason: 'bad' } });
    const failing = () => Promise.reject(new Error('database away'));
    expect(await keepDeadLetter(failing, message, 3)).toMatchObject({ outcome: { action: 'retry' }, error: { message: 'database away' } });
    expect(await keepDeadLetter(failing, { ...message, deliveryCount: 3 }, 3)).toMatchObject({ outcome: { action: 'drop' }, error: { message: 'database away' } });
  });
});
