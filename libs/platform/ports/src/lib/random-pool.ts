import { randomFillSync } from 'node:crypto';

// Crypto-strong bytes drawn from a pool refilled 4 KiB at a time: one system call per ~500 span
// ids or ~250 ULIDs instead of one per id (randomBytes and ulid's default generator showed at
// 2–4% of a service's CPU per message).
const pool = Buffer.alloc(4096);
let offset = pool.length;

function take(bytes: number): number {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  offset += bytes;
  return offset - bytes;
}

/** `bytes` random bytes as lower-case hex. */
export function randomHex(bytes: number): string {
  const start = take(bytes);
  return pool.toString('hex', start, start + bytes);
}

/** A random fraction in [0, 1) with 8 bits of entropy: the PRNG shape `ulid(seedTime, prng)` expects. */
export function randomFraction(): number {
  return pool[take(1)] / 256;
}
