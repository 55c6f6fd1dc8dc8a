import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
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

/**
 * A stored row as read back: its content, the two hashes it carries, and how `hash` was made:
 * `keyId` null for a row of the unkeyed (SHA-256) chain of before the key, else the id of the
 * key its HMAC was made with; `keyAnchor` on the first keyed row after unkeyed ones.
 */
export interface ChainedRow extends ChainedContent {
  prevHash: string;
  hash: string;
  keyId: string | null;
  keyAnchor: boolean;
}

/**
 * Where a chain starts: the genesis, or the last row removed by retention (`keyId`: whether that
 * row was keyed, when known; anchors recorded before keyed chains existed have none).
 */
export interface ChainStart {
  seq: number;
  hash: string;
  keyId?: string | null;
}

export const GENESIS: ChainStart = { seq: 0, hash: GENESIS_HASH };

/**
 * `rows_missing`: the newest rows are gone; nothing points back at them, so only the id index tells.
 * `unknown_key`: the row's key id is not configured, so its MAC cannot be checked.
 * `unkeyed_row`: an unkeyed row after a keyed one (a keyed chain never goes back to plain SHA-256).
 * `anchor_mismatch`: the anchor mark is on a row that does not follow unkeyed rows, or missing from one that does.
 */
export type ChainBreakReason = 'sequence_gap' | 'link_mismatch' | 'content_mismatch' | 'rows_missing' | 'unknown_key' | 'unkeyed_row' | 'anchor_mismatch';

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

/**
 * The keys a chain is MACed with, by id. Key material stays inside: callers get MACs, never keys,
 * so a provider backed by a KMS or HSM can implement it too.
 */
export interface ChainKeys {
  /** The id new rows are MACed with (the newest key), or undefined when no key is configured. */
  readonly currentKeyId: string | undefined;
  /** HMAC-SHA256 of `data` under key `keyId` (hex), or undefined for an id that is not configured. */
  mac(keyId: string, data: string): string | undefined;
}

/** No key configured: rows are chained with plain SHA-256, as before keyed chains existed. */
export const NO_CHAIN_KEYS: ChainKeys = { currentKeyId: undefined, mac: () => undefined };

/** Keys held in memory (derived from the master keys for this purpose only), newest last. */
export class InMemoryChainKeys implements ChainKeys {
  readonly currentKeyId: string | undefined;

  constructor(private readonly keys: ReadonlyMap<string, Buffer>) {
    this.currentKeyId = [...keys.keys()].at(-1);
  }

  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  mac(keyId: string, data: string): string | undefined {
    const key = this.keys.get(keyId);
    return key ? createHmac('sha256', key).update(data, 'utf8').digest('hex') : undefined;
  }
}

/** The HKDF `info` of the audit chain key: a key derived for anything else cannot MAC the chain. */
export const AUDIT_CHAIN_KEY_PURPOSE = 'junction-audit-chain';

/**
 * HMAC-SHA256 (hex) under key `keyId` of the previous row's hash and this row's canonical content,
 * with the key id and the anchor mark inside the MAC so neither can be changed without the key.
 * Undefined when `keyId` is not one of `keys`.
 */
export function keyedChainHash(content: ChainedContent, prevHash: string, keyId: string, keyAnchor: boolean, keys: ChainKeys): string | undefined {
  return keys.mac(keyId, `junction-audit-chain/v2\n${keyId}\n${keyAnchor ? 'anchor' : 'link'}\n${prevHash}\n${canonicalJson(contentOf(content))}`);
}

/**
 * The MACed tail of a workspace's unkeyed chain, recorded when keys arrived: the unkeyed rows a
 * keyed verification accepts are those up to `seq`, and the one at `seq` must hash to `hash`.
 */
export interface LegacySeal {
  workspaceId: string;
  seq: number;
  hash: string;
  keyId: string;
  mac: string;
}

export function legacySealMac(seal: Omit<LegacySeal, 'mac'>, keys: ChainKeys): string | undefined {
  return keys.mac(seal.keyId, `junction-audit-legacy-seal/v1\n${seal.workspaceId}\n${seal.seq}\n${seal.hash}`);
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
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
 * Keyed rows are checked with the key their `keyId` names; unkeyed rows are accepted only before
 * the first keyed one, so someone who can write the table but has no key can neither edit a keyed
 * row and recompute the chain, nor rewrite the keyed rows as unkeyed ones.
 */
export class ChainVerifier {
  private expectedSeq: number;
  private lastHash: string;
  /** Whether the previous row was keyed; undefined at the genesis or at an anchor of unknown kind. */
  private lastKeyed: boolean | undefined;
  private count = 0;
  private keyed = 0;
  private anchor?: number;
  private broken?: ChainBreak;

  /** With keys: the last unkeyed seq accepted and its hash (0: none); without keys unkeyed rows are not limited. */
  private readonly legacyEnd?: { seq: number; hash?: string; why: string };

  /**
   * `seal`: the workspace's legacy seal, when a keyed verification runs (keys configured); an
   * absent seal, or one whose MAC does not verify, allows no unkeyed row at all.
   */
  constructor(
    start: ChainStart = GENESIS,
    private readonly keys: ChainKeys = NO_CHAIN_KEYS,
    seal?: LegacySeal,
  ) {
    this.expectedSeq = start.seq + 1;
    this.lastHash = start.hash;
    this.lastKeyed = start.seq === 0 || start.keyId === undefined ? undefined : start.keyId !== null;
    if (keys.currentKeyId !== undefined) {
      const mac = seal && legacySealMac(seal, keys);
      this.legacyEnd =
        seal && mac !== undefined && sameHex(mac, seal.mac)
          ? { seq: seal.seq, hash: seal.hash, why: `past the sealed end of the unkeyed chain (seq ${seal.seq})` }
          : { seq: 0, why: seal ? 'the seal of the unkeyed chain does not verify' : 'this workspace has no sealed unkeyed chain' };
    }
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
    const failure = row.keyId === null ? this.unkeyed(row) : this.keyedRow(row, row.keyId);
    if (failure) return failure;
    this.expectedSeq++;
    this.lastHash = row.hash;
    this.lastKeyed = row.keyId !== null;
    return undefined;
  }

  private unkeyed(row: ChainedRow): ChainBreak | undefined {
    if (this.lastKeyed) return this.fail(row, 'unkeyed_row', 'an unkeyed row follows a keyed one');
    if (this.legacyEnd && row.seq > this.legacyEnd.seq) return this.fail(row, 'unkeyed_row', `an unkeyed row ${this.legacyEnd.why}`);
    if (row.keyAnchor) return this.fail(row, 'anchor_mismatch', 'an unkeyed row is marked as the anchor of a keyed chain');
    if (!sameHex(chainHash(row, row.prevHash), row.hash)) return this.fail(row, 'content_mismatch', 'the row content does not match its stored hash');
    if (this.legacyEnd?.hash !== undefined && row.seq === this.legacyEnd.seq && !sameHex(row.hash, this.legacyEnd.hash)) {
      return this.fail(row, 'content_mismatch', 'the unkeyed chain up to this row was rewritten: its hash is not the sealed one');
    }
    return undefined;
  }

  private keyedRow(row: ChainedRow, keyId: string): ChainBreak | undefined {
    // after an anchor of unknown kind (retention before keyed chains) either is possible
    const anchorExpected = this.lastKeyed === undefined ? row.keyAnchor && row.seq > 1 : !this.lastKeyed;
    if (row.keyAnchor !== anchorExpected) {
      return this.fail(
        row,
        'anchor_mismatch',
        row.keyAnchor ? 'the anchor mark is on a row that does not follow unkeyed rows' : 'the first keyed row after unkeyed rows is not marked as the anchor',
      );
    }
    const expected = keyedChainHash(row, row.prevHash, keyId, row.keyAnchor, this.keys);
    if (expected === undefined) return this.fail(row, 'unknown_key', `the row is MACed with key "${keyId}", which is not configured`);
    if (!sameHex(expected, row.hash)) return this.fail(row, 'content_mismatch', 'the row content does not match its stored MAC');
    this.keyed++;
    if (row.keyAnchor) this.anchor = row.seq;
    return undefined;
  }

  get firstBreak(): ChainBreak | undefined {
    return this.broken;
  }

  /** Rows looked at, including the broken one. */
  get checked(): number {
    return this.count;
  }

  /** Keyed rows that verified. */
  get keyedRows(): number {
    return this.keyed;
  }

  /** Seq of the keyed row that continues an unkeyed chain, when the walk passed one. */
  get anchorSeq(): number | undefined {
    return this.anchor;
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
