import { Counter, Histogram } from 'prom-client';
import { Envelope, type KeyProvider, type SealedSecrets } from '@junction/auth/domain';
import type { ServiceMetrics } from '@junction/platform/metrics';

/** How an API key verification ended; callers are told only "invalid", this says why (no key id). */
export type KeyVerificationOutcome = 'valid' | 'malformed' | 'unknown' | 'revoked' | 'expired';

export type VaultOperation = 'seal' | 'open' | 'rewrap';

const KEY_OUTCOMES: KeyVerificationOutcome[] = ['valid', 'malformed', 'unknown', 'revoked', 'expired'];
const VAULT_OPERATIONS: VaultOperation[] = ['seal', 'open', 'rewrap'];
const VAULT_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * The auth service's questions: API keys checked (and why refused: a sudden run of unknown keys is
 * someone guessing), and the vault's envelope operations with their failures (a failing `open`
 * is a wrong or missing master key) and time (a remote key provider slowing down).
 */
export class AuthMetrics {
  private static readonly byRegistry = new WeakMap<ServiceMetrics, AuthMetrics>();

  readonly keyVerifications: Counter<'outcome'>;
  readonly vaultOperations: Counter<'operation' | 'outcome'>;
  readonly vaultDuration: Histogram<'operation'>;

  static of(metrics: ServiceMetrics): AuthMetrics {
    let found = AuthMetrics.byRegistry.get(metrics);
    if (!found) {
      found = new AuthMetrics(metrics);
      AuthMetrics.byRegistry.set(metrics, found);
    }
    return found;
  }

  private constructor(metrics: ServiceMetrics) {
    const registers = [metrics.registry];
    this.keyVerifications = new Counter({
      name: 'junction_api_key_verifications_total',
      help: 'API keys verified by the auth service (the gateway caches verdicts briefly), by outcome (valid, malformed, unknown, revoked, expired)',
      labelNames: ['outcome'],
      registers,
    });
    this.vaultOperations = new Counter({
      name: 'junction_vault_operations_total',
      help: 'Envelope operations on connection secrets and signing keys, by operation (seal, open, rewrap) and outcome (ok, error)',
      labelNames: ['operation', 'outcome'],
      registers,
    });
    this.vaultDuration = new Histogram({
      name: 'junction_vault_operation_duration_seconds',
      help: 'Envelope operation time, the master key provider included, by operation',
      labelNames: ['operation'],
      buckets: VAULT_SECONDS,
      registers,
    });
    for (const outcome of KEY_OUTCOMES) this.keyVerifications.inc({ outcome }, 0);
    for (const operation of VAULT_OPERATIONS) for (const outcome of ['ok', 'error']) this.vaultOperations.inc({ operation, outcome }, 0);
  }

  async timeVault<T>(operation: VaultOperation, work: () => Promise<T>): Promise<T> {
    const stop = this.vaultDuration.startTimer({ operation });
    try {
      const result = await work();
      this.vaultOperations.inc({ operation, outcome: 'ok' });
      return result;
    } catch (error) {
      this.vaultOperations.inc({ operation, outcome: 'error' });
      throw error;
    } finally {
      stop();
    }
  }
}

/** The vault's envelope, counted: every seal, open and rewrap of the auth service goes through it. */
export class MeteredEnvelope extends Envelope {
  constructor(
    keys: KeyProvider,
    private readonly metrics: AuthMetrics,
  ) {
    super(keys);
  }

  override seal(secrets: Record<string, string>, aad: string): Promise<SealedSecrets> {
    return this.metrics.timeVault('seal', () => super.seal(secrets, aad));
  }

  override open(sealed: SealedSecrets, aad: string): Promise<Record<string, string>> {
    return this.metrics.timeVault('open', () => super.open(sealed, aad));
  }

  override rewrap(sealed: SealedSecrets, aad: string): Promise<SealedSecrets> {
    return this.metrics.timeVault('rewrap', () => super.rewrap(sealed, aad));
  }
}
