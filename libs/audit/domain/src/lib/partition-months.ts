/** One calendar month in UTC: the range of one partition of the audit table, [from, to). */
export interface MonthRange {
  from: Date;
  to: Date;
  /** `audit_event_y2026m03` */
  name: string;
}

const NAME_RE = /^audit_event_y(\d{4})m(\d{2})$/;

export function monthOf(date: Date, offsetMonths = 0): MonthRange {
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + offsetMonths;
  const from = new Date(Date.UTC(year, month, 1));
  const to = new Date(Date.UTC(year, month + 1, 1));
  const name = `audit_event_y${from.getUTCFullYear()}m${String(from.getUTCMonth() + 1).padStart(2, '0')}`;
  return { from, to, name };
}

/** The month a partition name stands for, or undefined for a name that is not a monthly partition. */
export function parsePartitionName(name: string): MonthRange | undefined {
  const match = NAME_RE.exec(name);
  if (!match) return undefined;
  const month = Number(match[2]);
  if (month < 1 || month > 12) return undefined;
  return monthOf(new Date(Date.UTC(Number(match[1]), month - 1, 1)));
}

/** This month and the `ahead` following ones: the partitions that must exist now. */
export function monthsToCreate(now: Date, ahead: number): MonthRange[] {
  return Array.from({ length: ahead + 1 }, (_, i) => monthOf(now, i));
}

/**
 * Partitions wholly older than the retention: with N months kept, the current month and the N
 * before it stay, so every dropped row is at least N whole months old. 0 keeps everything.
 */
export function expiredMonths(partitionNames: string[], now: Date, retentionMonths: number): MonthRange[] {
  if (retentionMonths <= 0) return [];
  const cutoff = monthOf(now, -retentionMonths).from;
  return partitionNames
    .map(parsePartitionName)
    .filter((m): m is MonthRange => m !== undefined && m.to.getTime() <= cutoff.getTime())
    .sort((a, b) => a.from.getTime() - b.from.getTime());
}
