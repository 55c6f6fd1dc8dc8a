import { TriggerReceived } from '@junction/executor/contracts';
import type { DeadLetterRow } from '@junction/executor/data-access';
import { RecordPolled, TickFired } from '@junction/scheduler/contracts';
import { deadLetterDetail } from './dead-letter-keeper';
import { toDeadLetterSummary, toDeadLetterView } from './dead-letter-views';
import { namedBy, redriveEvent, sourceOf } from './trigger-events';

const letter = (over: Partial<DeadLetterRow> = {}): DeadLetterRow => ({
  id: 'dlq_01JEXAMPLE0000000000000000',
  workspaceId: 'ws_1',
  recipeId: 'rcp_1',
  subject: TriggerReceived.subject,
  streamSequence: '7',
  reason: 'invalid',
  detail: 'invalid trigger event: receivedAt must be a valid ISO 8601 date string',
  event: { workspaceId: 'ws_1', recipeId: 'rcp_1', kind: 'webhook', dedupeKey: 'd-1', receivedAt: '2026-12-07T10:00:00.000Z', data: { n: 1 } },
  deliveryCount: 1,
  createdAt: new Date('2026-12-07T11:00:00.000Z'),
  redrivenAt: null,
  redrivenBy: null,
  jobId: null,
  ...over,
});

describe('dead letters: what a letter names, shows and redrives', () => {
  it('names its source by subject', () => {
    expect(sourceOf(TriggerReceived.subject)).toBe('trigger');
    expect(sourceOf(TickFired.subject)).toBe('schedule');
    expect(sourceOf(RecordPolled.subject)).toBe('poll');
  });

  it('takes workspace and recipe from the body when they are short strings, else the workspace of the headers', () => {
    expect(namedBy({ workspaceId: 'ws_body', recipeId: 'rcp_1' }, 'ws_head')).toEqual({ workspaceId: 'ws_body', recipeId: 'rcp_1' });
    expect(namedBy({ workspaceId: 42, recipeId: 'x'.repeat(65) }, 'ws_head')).toEqual({ workspaceId: 'ws_head', recipeId: undefined });
    expect(namedBy('not json', undefined)).toEqual({ workspaceId: undefined, recipeId: undefined });
    expect(namedBy(null, 'ws_head')).toEqual({ workspaceId: 'ws_head', recipeId: undefined });
  });

  it('redrives a valid trigger body as it was, with its own dedupe key', () => {
    const made = redriveEvent(letter({ reason: 'max_deliveries' }));
    expect(made).toMatchObject({ salvaged: false, event: { workspaceId: 'ws_1', recipeId: 'rcp_1', kind: 'webhook', dedupeKey: 'd-1', data: { n: 1 } } });
  });

  it('salvages an invalid trigger body: its data, the letter’s recipe and time, one job per letter', () => {
    const made = redriveEvent(letter({ event: { workspaceId: 'ws_1', recipeId: 'rcp_1', kind: 'manual', receivedAt: 'yesterday', data: { n: 2 } } }));
    expect(made).toEqual({
      salvaged: true,
      event: {
        workspaceId: 'ws_1',
        recipeId: 'rcp_1',
        kind: 'manual',
        dedupeKey: 'dead-letter:dlq_01JEXAMPLE0000000000000000',
        receivedAt: '2026-12-07T11:00:00.000Z',
        data: { n: 2 },
      },
    });
    // an unknown kind becomes `api`; no data is null
    expect(redriveEvent(letter({ event: { kind: 'carrier-pigeon' } }))).toMatchObject({ event: { kind: 'api', data: null } });
  });

  it('refuses what cannot be salvaged: no recipe, a body that is not an object, a schedule tick', () => {
    expect(redriveEvent(letter({ recipeId: null, event: { data: 1 } }))).toEqual({ invalid: expect.stringContaining('recipeId') });
    expect(redriveEvent(letter({ event: 'not json' }))).toEqual({ invalid: expect.stringContaining('must be a JSON object') });
    expect(redriveEvent(letter({ event: [1, 2] }))).toHaveProperty('invalid');
    expect(redriveEvent(letter({ subject: TickFired.subject, event: { recipeId: 'rcp_1' } }))).toHaveProperty('invalid');
  });

  it('redrives a valid tick as a schedule event deduplicated by the tick’s key', () => {
    const tick = { workspaceId: 'ws_1', scheduleId: 'sch_1', recipeId: 'rcp_1', scheduledAt: '2026-12-07T10:00:00Z', firedAt: '2026-12-07T10:00:01Z', dedupeKey: 'tick-1' };
    expect(redriveEvent(letter({ subject: TickFired.subject, event: tick }))).toMatchObject({
      salvaged: false,
      event: { kind: 'schedule', dedupeKey: 'tick-1', dedupeSource: 'schedule', data: { scheduledAt: tick.scheduledAt, firedAt: tick.firedAt } },
    });
  });

  it('shows a letter: state from its redrive mark, the event with secret-looking values redacted', () => {
    expect(toDeadLetterSummary(letter())).toEqual({
      id: 'dlq_01JEXAMPLE0000000000000000',
      recipeId: 'rcp_1',
      source: 'trigger',
      reason: 'invalid',
      detail: expect.any(String),
      deliveryCount: 1,
      createdAt: '2026-12-07T11:00:00.000Z',
      state: 'dead',
    });
    const redriven = toDeadLetterSummary(letter({ redrivenAt: new Date('2026-12-07T12:00:00Z'), redrivenBy: { type: 'api_key', id: 'key_1' }, jobId: 'job_1' }));
    expect(redriven).toMatchObject({ state: 'redriven', redrivenAt: '2026-12-07T12:00:00.000Z', redrivenBy: { type: 'api_key', id: 'key_1' }, jobId: 'job_1' });
    const view = toDeadLetterView(letter({ event: { data: { password: 'hunter2', headers: { authorization: 'Bearer abc' }, n: 1 } } }));
    expect(JSON.stringify(view)).not.toContain('hunter2');
    expect(JSON.stringify(view)).not.toContain('Bearer abc');
    expect(view.event).toMatchObject({ data: { n: 1 } });
    expect(toDeadLetterView(letter({ event: null }))).not.toHaveProperty('event');
  });

  it('keeps no credential in a reason: queries, user-info, bearer tokens and keys are scrubbed; long ones cut', () => {
    const detail = deadLetterDetail('request to https://user:pw@api.example.com/v1/x?token=s3cret failed: Bearer abc.def jn_live_abcdef123');
    expect(detail).not.toMatch(/s3cret|pw@|abc\.def|jn_live_abcdef123/);
    expect(detail).toContain('https://api.example.com/v1/x');
    expect(deadLetterDetail('x'.repeat(5000))).toHaveLength(2001);
  });
});
