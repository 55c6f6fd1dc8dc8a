import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '@junction/platform/logging';
import type { RotateVaultResult } from '@junction/auth/contracts';
import { ConnectionRepository, UserRepository } from '@junction/auth/data-access';
import { Envelope } from '@junction/auth/domain';
import { connectionAad } from './sealed-secrets';
import { signingKeyAad } from './signing-keys.service';

/**
 * Re-wraps every data key (connections and session signing keys) under the newest master key. Secrets' ciphertext is untouched
 * and every row stays readable throughout (old keys remain configured until this reports 0
 * remaining), so the service keeps serving while it runs. Safe to run on several replicas at
 * once: each swap is conditional on the row still holding what was re-wrapped.
 */
@Injectable()
export class VaultRotationService {
  constructor(
    private readonly rows: ConnectionRepository,
    private readonly users: UserRepository,
    private readonly envelope: Envelope,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async rotate(batchSize = 100): Promise<RotateVaultResult> {
    const keyId = this.envelope.currentKeyId();
    let rewrapped = 0;
    let after: string | undefined;
    for (;;) {
      const batch = await this.rows.notUnder(keyId, { limit: batchSize, after });
      if (batch.length === 0) break;
      for (const row of batch) {
        try {
          const sealed = await this.envelope.rewrap(row, connectionAad(row));
          if (await this.rows.swapWrappedKey(row, sealed.wrappedKey, sealed.masterKeyId)) rewrapped++;
        } catch (error) {
          // a row under a key this replica lacks stays as it is and is counted as remaining
          this.logger.error({ connectionId: row.id, masterKeyId: row.masterKeyId, err: { message: (error as Error).message } }, 'vault rotation could not re-wrap a row');
        }
      }
      after = batch[batch.length - 1].id;
    }
    for (const key of await this.users.signingKeysNotUnder(keyId)) {
      try {
        const sealed = await this.envelope.rewrap(key, signingKeyAad(key.kid));
        if (await this.users.swapSigningWrappedKey(key, sealed.wrappedKey, sealed.masterKeyId)) rewrapped++;
      } catch (error) {
        this.logger.error({ kid: key.kid, masterKeyId: key.masterKeyId, err: { message: (error as Error).message } }, 'vault rotation could not re-wrap a signing key');
      }
    }
    const remaining = (await this.rows.countNotUnder(keyId)) + (await this.users.signingKeysNotUnder(keyId)).length;
    this.logger.info({ keyId, rewrapped, remaining }, 'vault rotation finished');
    return { keyId, rewrapped, remaining };
  }
}
