import { Injectable } from '@nestjs/common';
import { exportJWK, generateKeyPair, importJWK, type JWK, type KeyLike } from 'jose';
import { ulid } from 'ulid';
import { UserRepository, type SigningKeyEntity } from '@junction/auth/data-access';
import { Envelope } from '@junction/auth/domain';

/** Binds a sealed private key to its `kid`. */
export const signingKeyAad = (kid: string) => `signing-key/${kid}`;

/**
 * ES256 key pairs for session tokens, identified by `kid`. The newest active key signs; every
 * active key is published in the JWKS, so a new key can be introduced (and an old one retired)
 * without invalidating tokens in flight. Private keys are stored sealed under the vault's master
 * key. Replicas racing to create the first key may each create one: both are valid and published.
 */
@Injectable()
export class SigningKeysService {
  private signer?: Promise<{ kid: string; key: KeyLike | Uint8Array }>;

  constructor(
    private readonly repository: UserRepository,
    private readonly envelope: Envelope,
  ) {}

  current(): Promise<{ kid: string; key: KeyLike | Uint8Array }> {
    this.signer ??= this.loadOrCreate().catch((error: unknown) => {
      this.signer = undefined;
      throw error;
    });
    return this.signer;
  }

  async jwks(): Promise<Record<string, unknown>[]> {
    await this.current();
    return (await this.repository.activeSigningKeys()).map((k) => ({ ...k.publicJwk, kid: k.kid, alg: 'ES256', use: 'sig' }));
  }

  private async loadOrCreate(): Promise<{ kid: string; key: KeyLike | Uint8Array }> {
    const [newest] = await this.repository.activeSigningKeys();
    if (newest) return { kid: newest.kid, key: await importJWK(await this.openPrivate(newest), 'ES256') };
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = `sig_${ulid()}`;
    const privateJwk = await exportJWK(privateKey);
    const sealed = await this.envelope.seal({ jwk: JSON.stringify(privateJwk) }, signingKeyAad(kid));
    await this.repository.insertSigningKey({ kid, publicJwk: { ...(await exportJWK(publicKey)) }, ...sealed, createdAt: new Date(), retiredAt: null });
    return { kid, key: privateKey };
  }

  private async openPrivate(row: SigningKeyEntity): Promise<JWK> {
    const { jwk } = await this.envelope.open(row, signingKeyAad(row.kid));
    return JSON.parse(jwk) as JWK;
  }
}
