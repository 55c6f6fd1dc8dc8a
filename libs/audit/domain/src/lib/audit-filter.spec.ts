import { parseAuditFilter } from './audit-filter';

describe('parseAuditFilter', () => {
  it.each([
    [{ actor: 'user:u_1' }, { actor: { type: 'user', id: 'u_1' } }],
    [{ actor: 'u_1' }, { actor: { id: 'u_1' } }],
    // not a known actor type: the whole text is the id
    [{ actor: 'ext:abc:1' }, { actor: { id: 'ext:abc:1' } }],
    [{ action: 'connection.created' }, { action: { exact: 'connection.created' } }],
    [{ action: 'connection.*' }, { action: { prefix: 'connection.' } }],
    [{ target: 'connection' }, { target: { type: 'connection' } }],
    [{ target: 'connection:conn:1' }, { target: { type: 'connection', id: 'conn:1' } }],
    [
      { since: '2026-01-01T00:00:00Z', until: '2026-02-01T00:00:00Z' },
      { since: new Date('2026-01-01T00:00:00Z'), until: new Date('2026-02-01T00:00:00Z') },
    ],
  ])('reads %j', (text, filter) => {
    expect(parseAuditFilter(text)).toEqual({ ok: true, filter });
  });

  it.each([
    [{ actor: 'user:' }, 'actor'],
    [{ since: '2026-02-01T00:00:00Z', until: '2026-02-01T00:00:00Z' }, 'until'],
    [{ since: 'yesterday' }, 'since'],
  ])('refuses %j naming %s', (text, path) => {
    expect(parseAuditFilter(text)).toMatchObject({ ok: false, path });
  });
});
