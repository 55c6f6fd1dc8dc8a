import { open, seal } from './aes-gcm';
import { UnknownMasterKeyError, type KeyProvider } from './key-provider';

/**
 * Master keys from `JUNCTION_MASTER_KEYS`: `k1:<base64 32 bytes>,k2:<base64 32 bytes>`, newest
 * last. Older keys stay listed until a rotation has re-wrapped every data key under the newest.
 */
export class EnvKeyProvider implements KeyProvider {
  private readonly keys: Map<string, Buffer>;
  private readonly newest: string;

  constructor(keys: Map<string, Buffer>) {
    if (keys.size === 0) throw new Error('at least one master key is needed');
    this.keys = keys;
    this.newest = [...keys.keys()].at(-1) as string;
  }

  static parse(spec: string): EnvKeyProvider {
    return new EnvKeyProvider(parseMasterKeys(spec));
  }

  currentKeyId(): string {
    return this.newest;
  }

  keyIds(): string[] {
    return [...this.keys.keys()];
  }

  async wrap(dataKey: Buffer, aad: string): Promise<{ keyId: string; wrapped: Buffer }> {
    return { keyId: this.newest, wrapped: seal(this.key(this.newest), dataKey, aad) };
  }

  async unwrap(keyId: string, wrapped: Buffer, aad: string): Promise<Buffer> {
    return open(this.key(keyId), wrapped, aad);
  }

  private key(id: string): Buffer {
    const key = this.keys.get(id);
    if (!key) throw new UnknownMasterKeyError(id);
    return key;
  }
}

/** Parses the variable; errors name the entry, never echo key material. */
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
