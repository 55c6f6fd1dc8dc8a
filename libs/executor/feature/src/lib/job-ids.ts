import { randomFillSync } from 'node:crypto';
import { ulid } from 'ulid';

const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
let next = POOL_BYTES;

/**
 * ulid's default generator asks the OS for one random byte per character (16 calls an id, a
 * measurable share of the executor's CPU per job); this one draws the same kind of bytes
 * (crypto-strong, one byte / 256 per character, as ulid does) from a pool refilled 4 KiB at a time.
 */
export function pooledRandom(): number {
  if (next === POOL_BYTES) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++] / 256;
}

/** A new job id: `job_<ULID>`. */
export function newJobId(): string {
  return `job_${ulid(undefined, pooledRandom)}`;
}
