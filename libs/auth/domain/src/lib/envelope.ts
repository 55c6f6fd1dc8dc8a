import { randomBytes } from 'node:crypto';
import { open, seal } from './aes-gcm';
import type { KeyProvider } from './key-provider';

/** What a row stores: secrets under a data key, the data key under a master key. */
export interface SealedSecrets {
  ciphertext: Buffer;
  wrappedKey: Buffer;
  masterKeyId: string;
}

/**
 * Envelope encryption of a connection's secret fields. Each row gets its own 256-bit data key;
 * `aad` (workspace and row id) binds both layers to the row, so a ciphertext copied into another
 * row or workspace does not decrypt.
 */
export class Envelope {
  constructor(private readonly keys: KeyProvider) {}

  async seal(secrets: Record<string, string>, aad: string): Promise<SealedSecrets> {
    const dataKey = randomBytes(32);
    try {
      const ciphertext = seal(dataKey, Buffer.from(JSON.stringify(secrets), 'utf8'), aad);
      const { keyId, wrapped } = await this.keys.wrap(dataKey, aad);
      return { ciphertext, wrappedKey: wrapped, masterKeyId: keyId };
    } finally {
      dataKey.fill(0);
    }
  }

  async open(sealed: SealedSecrets, aad: string): Promise<Record<string, string>> {
    const dataKey = await this.keys.unwrap(sealed.masterKeyId, sealed.wrappedKey, aad);
    try {
      return JSON.parse(open(dataKey, sealed.ciphertext, aad).toString('utf8')) as Record<string, string>;
    } finally {
      dataKey.fill(0);
    }
  }

  /** The same data key under the newest master key; the secrets' ciphertext does not change. */
  async rewrap(sealed: SealedSecrets, aad: string): Promise<SealedSecrets> {
    const dataKey = await this.keys.unwrap(sealed.masterKeyId, sealed.wrappedKey, aad);
    try {
      const { keyId, wrapped } = await this.keys.wrap(dataKey, aad);
      return { ciphertext: sealed.ciphertext, wrappedKey: wrapped, masterKeyId: keyId };
    } finally {
      dataKey.fill(0);
    }
  }

  currentKeyId(): string {
    return this.keys.currentKeyId();
  }
}
