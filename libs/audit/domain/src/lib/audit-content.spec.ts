import type { AuditEventPayload } from '@junction/audit/contracts';
import { chainedContent, nextRecordedAt } from './audit-content';

const event: AuditEventPayload = {
  id: 'ev_1',
  workspaceId: 'ws_1',
  actor: { type: 'api_key', id: 'key_1' },
  action: 'connection.created',
  target: { type: 'connection', id: 'c_1' },
  at: '2026-03-01T12:00:00.123456+02:00',
};

describe('chainedContent', () => {
  it('stores timestamps in UTC with milliseconds and absent fields as null', () => {
    const content = chainedContent(event, 7, new Date('2026-03-01T10:00:01.5Z'));
    expect(content).toEqual({
      workspaceId: 'ws_1',
      seq: 7,
      id: 'ev_1',
      at: '2026-03-01T10:00:00.123Z',
      recordedAt: '2026-03-01T10:00:01.500Z',
      actor: { type: 'api_key', id: 'key_1' },
      action: 'connection.created',
      target: { type: 'connection', id: 'c_1' },
      ip: null,
      changes: null,
    });
  });

  it('replaces NUL characters Postgres cannot store, in keys and values at any depth', () => {
    const content = chainedContent({ ...event, actor: { type: 'user', id: 'u\u00001' }, changes: { 'k\u0000': ['a\u0000'] } }, 1, new Date());
    expect(JSON.stringify(content)).not.toContain('\\u0000');
    expect(content.actor.id).toBe('u\uFFFD1');
    expect(content.changes).toEqual({ 'k\uFFFD': ['a\uFFFD'] });
  });
});

describe('nextRecordedAt', () => {
  it('never goes back before the previous row of the workspace', () => {
    const previous = new Date('2026-03-01T10:00:05Z');
    expect(nextRecordedAt(new Date('2026-03-01T10:00:01Z'), previous).toISOString()).toBe('2026-03-01T10:00:05.000Z');
    expect(nextRecordedAt(new Date('2026-03-01T10:00:09Z'), previous).toISOString()).toBe('2026-03-01T10:00:09.000Z');
    expect(nextRecordedAt(new Date('2026-03-01T10:00:09Z'), undefined).toISOString()).toBe('2026-03-01T10:00:09.000Z');
  });
});
