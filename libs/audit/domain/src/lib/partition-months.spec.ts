import { expiredMonths, monthOf, monthsToCreate, parsePartitionName } from './partition-months';

const names = (ms: { name: string }[]) => ms.map((m) => m.name);

describe('partition months', () => {
  it('names and bounds a month in UTC, across a year end', () => {
    const dec = monthOf(new Date('2026-12-31T23:59:59.999Z'));
    expect(dec).toEqual({ name: 'audit_event_y2026m12', from: new Date('2026-12-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z') });
    expect(monthOf(new Date('2026-01-15Z'), -1).name).toBe('audit_event_y2025m12');
  });

  it('creates this month and the ones ahead', () => {
    expect(names(monthsToCreate(new Date('2026-11-25T15:00:00Z'), 2))).toEqual(['audit_event_y2026m11', 'audit_event_y2026m12', 'audit_event_y2027m01']);
  });

  it('parses only its own names', () => {
    expect(parsePartitionName('audit_event_y2026m03')?.from).toEqual(new Date('2026-03-01T00:00:00Z'));
    expect(parsePartitionName('audit_event_y2026m13')).toBeUndefined();
    expect(parsePartitionName('audit_event_key')).toBeUndefined();
  });

  it('expires partitions wholly older than the current month and the N before it, oldest first', () => {
    const existing = ['audit_event_y2026m05', 'audit_event_y2026m03', 'audit_event_y2026m04', 'audit_event_y2026m11', 'audit_event_y2026m12', 'other'];
    // 6 months kept on 25 Nov: May..Nov stay, so March and April go
    expect(names(expiredMonths(existing, new Date('2026-11-25T00:00:00Z'), 6))).toEqual(['audit_event_y2026m03', 'audit_event_y2026m04']);
    // on the first of the month the month that ended 6 whole months ago goes too
    expect(names(expiredMonths(existing, new Date('2026-12-01T00:00:00Z'), 6))).toEqual(['audit_event_y2026m03', 'audit_event_y2026m04', 'audit_event_y2026m05']);
    expect(expiredMonths(existing, new Date('2026-11-25T00:00:00Z'), 0)).toEqual([]);
  });
});
