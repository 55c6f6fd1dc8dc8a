import { Inject, Injectable } from '@nestjs/common';
import { DISTRIBUTED_LOCK, RemoteError, type DistributedLock } from '@junction/platform/ports';
import { AuditPublisher } from '@junction/audit/contracts';
import { ConnectionRepository, type ConnectionEntity } from '@junction/auth/data-access';
import { OAuthClient, OAuthEndpointRefusedError, OAuthRejectedError, OAuthUnavailableError, type TokenGrant } from './oauth-client';
import { SealedSecrets } from './sealed-secrets';
import { AUDIT, CLOCK, type Clock } from './tokens';

/** A token this close to expiry is refreshed before use, ms. */
const EXPIRY_SKEW_MS = 60_000;
/** Lease of the refresh lock: longer than one provider call (10 s), ms. */
const REFRESH_LOCK_MS = 15_000;
/** How long a caller waits for another replica's refresh, ms. */
const WAIT_FOR_REFRESH_MS = 12_000;

export function needsReauth(row: { id: string }): RemoteError {
  return new RemoteError('conflict', `connection ${row.id} needs_reauth: the provider refused its tokens; authorise it again`);
}

/**
 * Access tokens that are fresh when handed out. A refresh is single-flight across every replica:
 * the caller holding the Redis lock refreshes, the others wait and then read what it stored. A
 * refusal by the provider marks the connection `needs_reauth` (jobs then fail with that error
 * instead of retrying a refresh that cannot succeed).
 */
@Injectable()
export class OAuthTokensService {
  constructor(
    private readonly rows: ConnectionRepository,
    private readonly secrets: SealedSecrets,
    private readonly client: OAuthClient,
    @Inject(DISTRIBUTED_LOCK) private readonly lock: DistributedLock,
    @Inject(AUDIT) private readonly audit: AuditPublisher,
    @Inject(CLOCK) private readonly now: Clock,
  ) {}

  /** The row's secrets with a usable access token (refreshed if needed). */
  async fresh(row: ConnectionEntity): Promise<Record<string, string>> {
    const giveUpAt = this.now().getTime() + WAIT_FOR_REFRESH_MS;
    let current = row;
    for (let attempt = 0; ; attempt++) {
      if (current.status === 'needs_reauth') throw needsReauth(current);
      const secrets = await this.secrets.open(current);
      if (!this.expiring(secrets)) return secrets;
      const held = await this.lock.tryAcquire(`auth:oauth-refresh:${current.id}`, REFRESH_LOCK_MS);
      if (held) {
        try {
          // another replica may have refreshed between our read and our lock
          const latest = await this.reload(current);
          if (latest.status === 'needs_reauth') throw needsReauth(latest);
          const latestSecrets = await this.secrets.open(latest);
          if (!this.expiring(latestSecrets)) return latestSecrets;
          return await this.renew(latest, latestSecrets);
        } finally {
          await held.release();
        }
      }
      if (this.now().getTime() > giveUpAt) throw new RemoteError('unavailable', `the token refresh of connection ${current.id} did not finish in time`);
      await new Promise((r) => setTimeout(r, Math.min(25 * 2 ** attempt, 200) * (0.5 + Math.random() / 2)));
      current = await this.reload(current);
    }
  }

  /** Stores a grant (from the code exchange or a refresh) and marks the connection active. */
  async store(row: ConnectionEntity, secrets: Record<string, string>, grant: TokenGrant): Promise<ConnectionEntity> {
    const { accessToken, tokenType, refreshToken, accessTokenExpiresAt } = grant;
    const next: Record<string, string> = { ...withoutTokens(secrets), accessToken, tokenType };
    if (refreshToken) next.refreshToken = refreshToken;
    if (accessTokenExpiresAt) next.accessTokenExpiresAt = accessTokenExpiresAt;
    const changes = { ...(await this.secrets.seal(row, next)), status: 'active', updatedAt: this.now() };
    await this.rows.update(row, changes);
    return { ...row, ...changes };
  }

  private expiring(secrets: Record<string, string>): boolean {
    if (!secrets.accessToken) return true;
    if (!secrets.accessTokenExpiresAt) return false;
    return Date.parse(secrets.accessTokenExpiresAt) - this.now().getTime() < EXPIRY_SKEW_MS;
  }

  private async renew(row: ConnectionEntity, secrets: Record<string, string>): Promise<Record<string, string>> {
    const config = row.oauth;
    if (!config) throw new RemoteError('conflict', `connection ${row.id} has no OAuth2 settings`);
    const client = { clientId: secrets.clientId, clientSecret: secrets.clientSecret };
    try {
      let grant: TokenGrant;
      if (secrets.refreshToken) grant = await this.client.refresh(config, client, secrets.refreshToken);
      else if (config.grant === 'client_credentials') grant = await this.client.clientCredentials(config, client);
      else throw new OAuthRejectedError('no refresh token');
      const stored = await this.store(row, secrets, grant);
      await this.audit.record({
        workspaceId: row.workspaceId,
        actor: { type: 'service', id: 'auth' },
        action: 'connection.token_refreshed',
        target: { type: 'connection', id: row.id },
      });
      return this.secrets.open(stored);
    } catch (error) {
      if (error instanceof OAuthRejectedError) {
        await this.rows.update(row, { status: 'needs_reauth', updatedAt: this.now() });
        await this.audit.record({
          workspaceId: row.workspaceId,
          actor: { type: 'service', id: 'auth' },
          action: 'connection.needs_reauth',
          target: { type: 'connection', id: row.id },
          changes: { reason: error.error },
        });
        throw needsReauth(row);
      }
      if (error instanceof OAuthUnavailableError) throw new RemoteError('unavailable', `${error.message} (connection ${row.id})`);
      // a retry would be refused again: the token URL itself is not allowed
      if (error instanceof OAuthEndpointRefusedError)
        throw new RemoteError('unprocessable', `the token URL of connection ${row.id} is refused by the outbound fence: ${error.message}`);
      throw error;
    }
  }

  private async reload(row: ConnectionEntity): Promise<ConnectionEntity> {
    const latest = await this.rows.find(row);
    if (!latest) throw new RemoteError('not_found', 'connection not found');
    return latest;
  }
}

function withoutTokens(secrets: Record<string, string>): Record<string, string> {
  const { accessToken: _a, tokenType: _t, refreshToken: _r, accessTokenExpiresAt: _e, ...rest } = secrets;
  return rest;
}
