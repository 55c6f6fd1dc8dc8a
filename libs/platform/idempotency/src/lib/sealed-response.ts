import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** The first response to a key, as replayed: status, the headers that describe it, the body. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

const VERSION = 1;

/**
 * Seals a response under a key derived from the client's idempotency key (HKDF-SHA256, salted with
 * the workspace): the owner's table holds creation answers such as a new API key's secret, which
 * only the holder of the idempotency key can read back. AES-256-GCM, `v | iv | tag | ciphertext`.
 */
export function sealResponse(key: string, scope: string, response: StoredResponse): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(key, scope), iv);
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(response), 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ciphertext]).toString('base64');
}

/** Opens a sealed response; throws if it was sealed under another key or altered. */
export function openResponse(key: string, scope: string, sealed: string): StoredResponse {
  const bytes = Buffer.from(sealed, 'base64');
  if (bytes.length < 29 || bytes[0] !== VERSION) throw new Error('not a sealed response');
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(key, scope), bytes.subarray(1, 13));
  decipher.setAuthTag(bytes.subarray(13, 29));
  const plain = Buffer.concat([decipher.update(bytes.subarray(29)), decipher.final()]).toString('utf8');
  return JSON.parse(plain) as StoredResponse;
}

function sealingKey(key: string, scope: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, scope, 'junction idempotency response v1', 32));
}
