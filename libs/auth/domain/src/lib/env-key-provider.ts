import { parseMasterKeys } from '@junction/platform/ports';
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

/** Moved to platform/ports, where the audit service's chain key derivation shares it. */
export { parseMasterKeys };
