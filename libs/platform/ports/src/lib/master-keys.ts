import { hkdfSync } from 'node:crypto';

/**
 * `JUNCTION_MASTER_KEYS` as a whole: `id:<base64 of 32 bytes>`, comma-separated, newest last. For
 * environment validation; `parseMasterKeys` gives the precise error.
 */
export const MASTER_KEYS_PATTERN = /^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=(,[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=)*$/;

/** Parses `JUNCTION_MASTER_KEYS`; errors name the entry, never echo key material. */
export function parseMasterKeys(spec: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  const entries = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    if (!/^[a-z0-9][a-z0-9_-]{0,31}$/i.test(id)) throw new Error(`JUNCTION_MASTER_KEYS entry ${index + 1} must be <id>:<base64 key>`);
    const material = Buffer.from(entry.slice(colon + 1), 'base64');
    if (material.length !== 32) throw new Error(`JUNCTION_MASTER_KEYS key "${id}" must be 32 bytes in base64`);
    if (keys.has(id)) throw new Error(`JUNCTION_MASTER_KEYS lists key "${id}" twice`);
    keys.set(id, material);
  });
  if (keys.size === 0) throw new Error('JUNCTION_MASTER_KEYS lists no key');
  return keys;
}

/**
 * One 32-byte key per master key, for one purpose only (HKDF-SHA256, the purpose as `info`, the key
 * id in the salt so two ids holding the same material still give different keys). A service that
 * needs a key of its own gets this instead of the master key: what leaks from it opens nothing of
 * the vault, and keys of different purposes cannot stand in for one another. Same ids, same order.
 */
export function deriveKeys(masterKeys: ReadonlyMap<string, Buffer>, purpose: string): Map<string, Buffer> {
  if (!/^[a-z0-9][a-z0-9.-]{2,63}$/.test(purpose)) throw new Error(`"${purpose}" is not a key purpose`);
  const derived = new Map<string, Buffer>();
  for (const [id, material] of masterKeys) {
    derived.set(id, Buffer.from(hkdfSync('sha256', material, `junction-key/${id}`, purpose, 32)));
  }
  return derived;
}

/**
 * Parses `JUNCTION_MASTER_KEYS` and keeps only the keys derived for `purpose`: the master keys'
 * bytes are wiped before this returns.
 */
export function derivedKeysFrom(spec: string, purpose: string): Map<string, Buffer> {
  const master = parseMasterKeys(spec);
  try {
    return deriveKeys(master, purpose);
  } finally {
    for (const key of master.values()) key.fill(0);
  }
}
