import { decideEffect, outcomeOf, uncertainResult } from './effect-ledger';

/** The effect ledger's rule: ledger state + the action's idempotency + the recipe's policy → send (with the same key) or uncertain. */
describe('effect ledger decision', () => {
  const drive = 'drive-now';
  const crashed = (outcome: 'ok' | 'failed' | 'not_sent' | 'uncertain' | null = null) => ({ drive: 'drive-before', outcome });

  it('sends a call nobody sent before, whatever the action declares', () => {
    for (const idempotent of [true, false, 'key', 'unknown'] as const) expect(decideEffect({ drive, idempotent })).toEqual({ send: true, why: 'first' });
  });

  it('sends again a call this same drive sent (a deferral after an open breaker: it knows its own outcome)', () => {
    expect(decideEffect({ prior: { drive, outcome: null }, drive, idempotent: false })).toEqual({ send: true, why: 'same-drive' });
  });

  it('sends again a call refused before anything went out (breaker, throttle)', () => {
    expect(decideEffect({ prior: crashed('not_sent'), drive, idempotent: false })).toEqual({ send: true, why: 'not-sent' });
  });

  it('after a crash between send and checkpoint: an idempotent action is sent again with the same key', () => {
    expect(decideEffect({ prior: crashed(), drive, idempotent: true })).toEqual({ send: true, why: 'idempotent' });
    expect(decideEffect({ prior: crashed(), drive, idempotent: 'key' })).toEqual({ send: true, why: 'same-key' });
    expect(decideEffect({ prior: crashed('ok'), drive, idempotent: 'key' })).toEqual({ send: true, why: 'same-key' });
  });

  it('after a crash: any other action is uncertain by default and with onUncertain: fail', () => {
    expect(decideEffect({ prior: crashed(), drive, idempotent: false })).toEqual({ send: false, why: 'uncertain' });
    expect(decideEffect({ prior: crashed('failed'), drive, idempotent: false, onUncertain: 'fail' })).toEqual({ send: false, why: 'uncertain' });
    // a step already found uncertain stays so on the next drive
    expect(decideEffect({ prior: crashed('uncertain'), drive, idempotent: false })).toEqual({ send: false, why: 'uncertain' });
  });

  it('after a crash, an action whose declaration cannot be read now is neither sent nor judged: ask again later', () => {
    expect(decideEffect({ prior: crashed(), drive, idempotent: 'unknown' })).toEqual({ send: false, why: 'ask-later' });
    expect(decideEffect({ prior: crashed(), drive, idempotent: 'unknown', onUncertain: 'retry' })).toEqual({ send: true, why: 'policy' });
  });

  it('a recorded ok or failed outcome decides exactly as no outcome, for every declaration and policy (so neither is written, #19)', () => {
    for (const prior of [crashed(), { drive, outcome: null }])
      for (const idempotent of [true, false, 'key', 'unknown'] as const)
        for (const onUncertain of [undefined, 'fail', 'retry'] as const) {
          const none = decideEffect({ prior, drive, idempotent, onUncertain });
          for (const outcome of ['ok', 'failed'] as const) expect(decideEffect({ prior: { ...prior, outcome }, drive, idempotent, onUncertain })).toEqual(none);
        }
  });

  it('onUncertain: retry sends it again, accepting a possible repeat', () => {
    expect(decideEffect({ prior: crashed(), drive, idempotent: false, onUncertain: 'retry' })).toEqual({ send: true, why: 'policy' });
  });

  it('keeps "not sent" only for refusals where nothing went out', () => {
    expect(outcomeOf({ ok: true, output: {} })).toBe('ok');
    expect(outcomeOf({ ok: false, error: { kind: 'circuit_open', message: 'open' } })).toBe('not_sent');
    expect(outcomeOf({ ok: false, error: { kind: 'throttled', message: 'limit' } })).toBe('not_sent');
    // the NATS connection dropped under the call: it may have run
    expect(outcomeOf({ ok: false, error: { kind: 'circuit_open', message: 'lost', details: { maybeSent: true } } })).toBe('failed');
    expect(outcomeOf({ ok: false, error: { kind: 'retryable', message: 'timeout' } })).toBe('failed');
  });

  it('an uncertain step fails with kind uncertain, naming the key and attempt', () => {
    const result = uncertainResult({ action: 'slack.post_message', attempt: 2, idempotencyKey: 'job_1:post:0' });
    expect(result).toMatchObject({ ok: false, attempt: 2, error: { kind: 'uncertain', details: { idempotencyKey: 'job_1:post:0', attempt: 2 } } });
  });
});
