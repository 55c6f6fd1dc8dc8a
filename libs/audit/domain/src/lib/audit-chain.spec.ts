import {
  ChainVerifier,
  GENESIS,
  GENESIS_HASH,
  InMemoryChainKeys,
  chainHash,
  keyedChainHash,
  legacySealMac,
  type ChainStart,
  type ChainedContent,
  type ChainedRow,
  type LegacySeal,
} from './audit-chain';

function chain(n: number, start = { seq: 0, hash: GENESIS_HASH }): ChainedRow[] {
  const rows: ChainedRow[] = [];
  let prevHash = start.hash;
  for (let i = 1; i <= n; i++) {
    const content: ChainedContent = {
      workspaceId: 'ws_1',
      seq: start.seq + i,
      id: `ev_${i}`,
      at: '2026-03-01T10:00:00.000Z',
      recordedAt: '2026-03-01T10:00:01.000Z',
      actor: { type: 'user', id: 'u_1' },
      action: 'connection.created',
      target: { type: 'connection', id: `c_${i}` },
      ip: null,
      changes: i % 2 ? { name: ['a', 'b'] } : null,
    };
    const hash = chainHash(content, prevHash);
    rows.push({ ...content, prevHash, hash, keyId: null, keyAnchor: false });
    prevHash = hash;
  }
  return rows;
}

function verify(rows: ChainedRow[], start?: { seq: number; hash: string }) {
  const verifier = new ChainVerifier(start);
  for (const row of rows) verifier.check(row);
  return verifier;
}

describe('ChainVerifier', () => {
  it('accepts an untouched chain', () => {
    const v = verify(chain(5));
    expect(v.firstBreak).toBeUndefined();
    expect(v.checked).toBe(5);
    expect(v.lastGoodSeq).toBe(5);
  });

  it('names an edited row by its content', () => {
    const rows = chain(5);
    rows[2] = { ...rows[2], action: 'connection.deleted' };
    expect(verify(rows).firstBreak).toMatchObject({ id: 'ev_3', seq: 3, reason: 'content_mismatch' });
  });

  it('names the row after one whose hash was recomputed to hide an edit', () => {
    const rows = chain(5);
    const edited = { ...rows[1], target: { type: 'connection', id: 'c_other' } };
    rows[1] = { ...edited, hash: chainHash(edited, edited.prevHash) };
    expect(verify(rows).firstBreak).toMatchObject({ id: 'ev_3', seq: 3, reason: 'link_mismatch' });
  });

  it('names the row after a deleted one', () => {
    const rows = chain(5);
    rows.splice(3, 1); // seq 4 gone
    expect(verify(rows).firstBreak).toMatchObject({ id: 'ev_5', seq: 5, reason: 'sequence_gap' });
  });

  it('reports only the first break', () => {
    const rows = chain(5).map((r) => ({ ...r, action: 'tampered.all' }));
    const v = verify(rows);
    expect(v.firstBreak).toMatchObject({ seq: 1 });
    expect(v.checked).toBe(1);
    expect(v.lastGoodSeq).toBe(0);
  });

  it('starts after the last row retention removed', () => {
    const all = chain(6);
    const anchor = { seq: all[2].seq, hash: all[2].hash };
    expect(verify(all.slice(3), anchor).firstBreak).toBeUndefined();
    // without the anchor the remaining rows do not start a chain
    expect(verify(all.slice(3)).firstBreak).toMatchObject({ seq: 4, reason: 'sequence_gap' });
  });

  it('makes the hash depend on every field and on the previous hash', () => {
    const [row] = chain(1);
    const base = chainHash(row, row.prevHash);
    expect(chainHash({ ...row, ip: '10.0.0.1' }, row.prevHash)).not.toBe(base);
    expect(chainHash({ ...row, recordedAt: '2026-03-01T10:00:01.001Z' }, row.prevHash)).not.toBe(base);
    expect(chainHash(row, 'f'.repeat(64))).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });

  describe('keyed rows', () => {
    const keys = new InMemoryChainKeys(new Map([['k1', Buffer.alloc(32, 7)]]));

    /** Re-hashes `rows` in place from `from` on: unkeyed up to `keyedFrom - 1`, keyed (anchor at `keyedFrom` if it follows unkeyed rows) after. */
    function rechain(rows: ChainedRow[], keyedFrom: number, start = GENESIS): ChainedRow[] {
      let prevHash = start.hash;
      return rows.map((row) => {
        const keyed = row.seq >= keyedFrom;
        const keyAnchor = keyed && row.seq === keyedFrom && row.seq > start.seq + 1;
        const hash = keyed ? (keyedChainHash(row, prevHash, 'k1', keyAnchor, keys) as string) : chainHash(row, prevHash);
        const out = { ...row, prevHash, hash, keyId: keyed ? 'k1' : null, keyAnchor };
        prevHash = hash;
        return out;
      });
    }

    const run = (rows: ChainedRow[], start?: ChainStart, seal?: LegacySeal) => {
      const v = new ChainVerifier(start, keys, seal);
      for (const row of rows) v.check(row);
      return v;
    };

    it('accepts an unkeyed chain continued by a keyed one from a sealed anchor', () => {
      const rows = rechain(chain(5), 4);
      const v = run(rows, undefined, {
        workspaceId: 'ws_1',
        seq: 3,
        hash: rows[2].hash,
        keyId: 'k1',
        mac: legacySealMac({ workspaceId: 'ws_1', seq: 3, hash: rows[2].hash, keyId: 'k1' }, keys) as string,
      });
      expect(v.firstBreak).toBeUndefined();
      expect([v.keyedRows, v.anchorSeq]).toEqual([2, 4]);
    });

    it('names a keyed row after unkeyed ones that is not marked as the anchor, and an anchor mark on a later row', () => {
      const rows = rechain(chain(4), 1);
      expect(run(rows).firstBreak).toBeUndefined();
      const marked = [...rows];
      marked[2] = { ...marked[2], keyAnchor: true };
      expect(run(marked).firstBreak).toMatchObject({ seq: 3, reason: 'anchor_mismatch' });
    });

    it('after a retention anchor that was keyed, an unkeyed row is a downgrade', () => {
      const rows = rechain(chain(5), 1);
      const start = { seq: 2, hash: rows[1].hash, keyId: 'k1' };
      expect(run(rows.slice(2), start).firstBreak).toBeUndefined();
      const downgraded = rechain(chain(5).slice(2), 99, start);
      expect(run(downgraded, start).firstBreak).toMatchObject({ seq: 3, reason: 'unkeyed_row' });
    });
  });
});
