/**
 * Where master keys live. The environment implementation below holds them in memory; a KMS
 * implementation would send `wrap`/`unwrap` to the KMS and never see the key material.
 */
export interface KeyProvider {
  /** Id of the key new data keys are wrapped under (the newest). */
  currentKeyId(): string;
  /** Ids this provider can still unwrap with. */
  keyIds(): string[];
  wrap(dataKey: Buffer, aad: string): Promise<{ keyId: string; wrapped: Buffer }>;
  unwrap(keyId: string, wrapped: Buffer, aad: string): Promise<Buffer>;
}

export class UnknownMasterKeyError extends Error {
  override readonly name = 'UnknownMasterKeyError';
  constructor(readonly keyId: string) {
    super(`master key "${keyId}" is not configured`);
  }
}
