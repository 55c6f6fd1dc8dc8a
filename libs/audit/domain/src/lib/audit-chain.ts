import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/** The `prevHash` of a workspace's first row: 64 zeros, so every row has a 64-hex predecessor. */
export const GENESIS_HASH = '0'.repeat(64);

/** Everything a row's hash covers. Timestamps are ISO 8601 in UTC with milliseconds. */
export interface ChainedContent {
  workspaceId: string;
  seq: number;
  id: string;
  at: string;
  recordedAt: string;
  actor: { type: string; id: string };
  action: string;
  target: { type: string; id: string };
  ip: string | null;
  changes: Record<string, unknown> | null;
}

/** A stored row as read back: its content plus the two hashes it carries. */
export interface ChainedRow extends ChainedContent {
  prevHash: string;
  hash: string;
}

/** Where a chain starts: the genesis, or the last row removed by retention. */
export interface ChainStart {
  seq: number;
  hash: string;
}

export const GENESIS: ChainStart = { seq: 0, hash: GENESIS_HASH };

/** `rows_missing`: the newest rows are gone; nothing points back at them, so only the id index tells. */
export type ChainBreakReason = 'sequence_gap' | 'link_mismatch' | 'content_mismatch' | 'rows_missing';

export interface ChainBreak {
  id: string;
  seq: number;
  reason: ChainBreakReason;
  detail: string;
}

/**
 * SHA-256 (hex) of the previous row's hash and this row's canonical content. Only the fields of
 * `ChainedContent` count, whatever else the object carries.
 */
export function chainHash(content: ChainedContent, prevHash: string): string {
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(canonicalJson(contentOf(content)))
    .digest('hex');
}

function contentOf(row: ChainedContent): ChainedContent {
  return {
    workspaceId: row.workspaceId,
    seq: row.seq,
    id: row.id,
    at: row.at,
    recordedAt: row.recordedAt,
    actor: { type: row.actor.type, id: row.actor.id },
    action: row.action,
    target: { type: row.target.type, id: row.target.id },
    ip: row.ip,
    changes: row.changes,
  };
}

/**
 * Walks one workspace's rows in `seq` order, a batch at a time, and names the first row that
 * does not follow from the one before: a missing row (sequence gap), a `prevHash` that is not
 * the previous row's hash, or content that does not hash to the stored hash (an edited row).
 */
export class ChainVerifier {
  private expectedSeq: number;
  private lastHash: string;
  private count = 0;
  private broken?: ChainBreak;

  constructor(start: ChainStart = GENESIS) {
    this.expectedSeq = start.seq + 1;
    this.lastHash = start.hash;
  }

  /** Checks the next row; once a break is found every later row is ignored. */
  check(row: ChainedRow): ChainBreak | undefined {
    if (this.broken) return this.broken;
    this.count++;
    if (row.seq !== this.expectedSeq) {
      return this.fail(row, 'sequence_gap', `expected seq ${this.expectedSeq}, found ${row.seq}`);
    }
    if (row.prevHash !== this.lastHash) {
      return this.fail(row, 'link_mismatch', `prevHash does not match the hash of seq ${row.seq - 1}`);
    }
    if (chainHash(row, row.prevHash) !== row.hash) {
      return this.fail(row, 'content_mismatch', 'the row content does not match its stored hash');
    }
    this.expectedSeq++;
    this.lastHash = row.hash;
    return undefined;
  }

  get firstBreak(): ChainBreak | undefined {
    return this.broken;
  }

  /** Rows looked at, including the broken one. */
  get checked(): number {
    return this.count;
  }

  /** Seq of the last row that verified, or of the start when none did. */
  get lastGoodSeq(): number {
    return this.expectedSeq - 1;
  }

  private fail(row: ChainedRow, reason: ChainBreakReason, detail: string): ChainBreak {
    this.broken = { id: row.id, seq: row.seq, reason, detail };
    return this.broken;
  }
}
