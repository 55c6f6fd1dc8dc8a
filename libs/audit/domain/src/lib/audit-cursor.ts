export type AuditOrder = 'asc' | 'desc';

/** Position in one workspace's log: the last `seq` returned, and the direction it was read in. */
export interface AuditCursor {
  seq: number;
  order: AuditOrder;
}

export function encodeCursor(cursor: AuditCursor): string {
  return Buffer.from(`${cursor.order === 'asc' ? 'a' : 'd'}${cursor.seq}`, 'utf8').toString('base64url');
}

/** The cursor's position, or undefined when the text is not a cursor this service made. */
export function decodeCursor(text: string): AuditCursor | undefined {
  const plain = Buffer.from(text, 'base64url').toString('utf8');
  const match = /^([ad])(0|[1-9][0-9]{0,15})$/.exec(plain);
  if (!match) return undefined;
  const seq = Number(match[2]);
  if (!Number.isSafeInteger(seq)) return undefined;
  return { seq, order: match[1] === 'a' ? 'asc' : 'desc' };
}
