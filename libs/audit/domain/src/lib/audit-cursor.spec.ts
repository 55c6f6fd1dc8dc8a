import { decodeCursor, encodeCursor } from './audit-cursor';

describe('audit cursor', () => {
  it.each([
    { seq: 0, order: 'asc' as const },
    { seq: 41, order: 'desc' as const },
    { seq: Number.MAX_SAFE_INTEGER, order: 'asc' as const },
  ])('round-trips %o', (cursor) => {
    const text = encodeCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text)).toEqual(cursor);
  });

  it.each(['', 'abc', Buffer.from('d-1').toString('base64url'), Buffer.from('a01').toString('base64url'), Buffer.from('a99999999999999999').toString('base64url')])(
    'refuses %j',
    (text) => {
      expect(decodeCursor(text)).toBeUndefined();
    },
  );
});
