import { RemoteError } from '@junction/platform/ports';
import type { KeyProvider } from '@junction/auth/domain';

/** Stands in when JUNCTION_MASTER_KEYS is unset: the rest of auth works, the vault answers unavailable. */
export class UnconfiguredKeyProvider implements KeyProvider {
  currentKeyId(): string {
    throw this.error();
  }

  keyIds(): string[] {
    return [];
  }

  wrap(): Promise<never> {
    return Promise.reject(this.error());
  }

  unwrap(): Promise<never> {
    return Promise.reject(this.error());
  }

  private error(): RemoteError {
    return new RemoteError('unavailable', 'the credential vault has no master key (set JUNCTION_MASTER_KEYS)');
  }
}
