import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { RemoteError } from '@junction/platform/ports';
import { AuditPublisher } from '@junction/audit/contracts';
import type { CallerRef, ConnectionView, OAuthAuthorization } from '@junction/auth/contracts';
import { ConnectionRepository, OAuthStateRepository, type TenantScope } from '@junction/auth/data-access';
import { actorOf, assertAllowed } from './authorize';
import { OAuthClient, OAuthEndpointRefusedError, OAuthRejectedError, OAuthUnavailableError } from './oauth-client';
import { OAuthTokensService } from './oauth-tokens.service';
import { SealedSecrets } from './sealed-secrets';
import { AUDIT, CLOCK, type Clock } from './tokens';
import { toConnectionView } from './views';

/** An authorization must be completed within this, ms. */
const STATE_TTL_MS = 10 * 60_000;

const hashState = (state: string) => createHash('sha256').update(state, 'utf8').digest();

/**
 * Authorization code with PKCE (S256). The `state` is 256 random bits, stored only as its hash
 * with the workspace, connection and caller it was issued to; it is single use and expires. The
 * redirect URI must equal the connection's registered one exactly (no prefix or normalisation).
 */
@Injectable()
export class OAuthFlowService {
  constructor(
    private readonly rows: ConnectionRepository,
    private readonly states: OAuthStateRepository,
    private readonly secrets: SealedSecrets,
    private readonly client: OAuthClient,
    private readonly tokens: OAuthTokensService,
    @Inject(AUDIT) private readonly audit: AuditPublisher,
    @Inject(CLOCK) private readonly now: Clock,
  ) {}

  async start(scope: TenantScope & { id: string }, caller: CallerRef, redirectUri: string): Promise<OAuthAuthorization> {
    assertAllowed(caller, 'connections:write');
    const row = await this.rows.find(scope);
    if (!row) throw new RemoteError('not_found', 'connection not found');
    const config = row.oauth;
    if (config?.grant !== 'authorization_code' || !config.authorizationUrl || !config.redirectUri) {
      throw new RemoteError('invalid_request', 'this connection does not use the OAuth2 authorization code grant');
    }
    if (redirectUri !== config.redirectUri) {
      throw new RemoteError('invalid_request', 'redirectUri does not match the registered redirect URI', [
        { path: 'redirectUri', message: 'must equal the registered redirect URI exactly' },
      ]);
    }
    const secrets = await this.secrets.open(row);
    const at = this.now();
    const state = randomBytes(32).toString('base64url');
    const { verifier, challenge } = await this.client.pkce();
    const expiresAt = new Date(at.getTime() + STATE_TTL_MS);
    await this.states.purgeExpired(at);
    await this.states.insert({
      stateHash: hashState(state),
      workspaceId: row.workspaceId,
      connectionId: row.id,
      callerId: `${caller.kind}:${caller.id}`,
      redirectUri,
      codeVerifier: verifier,
      expiresAt,
      createdAt: at,
    });
    const authorizationUrl = this.client.authorizationUrl(config, { clientId: secrets.clientId }, { state, challenge, redirectUri });
    return { authorizationUrl, expiresAt: expiresAt.toISOString() };
  }

  async complete(state: string, code: string): Promise<ConnectionView> {
    const pending = await this.states.consume(hashState(state), this.now());
    if (!pending) throw new RemoteError('invalid_request', 'the OAuth2 state is unknown, already used or expired', [{ path: 'state', message: 'is not a pending authorization' }]);
    const row = await this.rows.find({ workspaceId: pending.workspaceId, id: pending.connectionId });
    if (!row?.oauth) throw new RemoteError('not_found', 'connection not found');
    if (row.oauth.redirectUri !== pending.redirectUri) throw new RemoteError('invalid_request', 'the connection’s redirect URI changed during the authorization');
    const secrets = await this.secrets.open(row);
    try {
      const grant = await this.client.exchangeCode(
        row.oauth,
        { clientId: secrets.clientId, clientSecret: secrets.clientSecret },
        { code, state, verifier: pending.codeVerifier, redirectUri: pending.redirectUri },
      );
      const stored = await this.tokens.store(row, secrets, grant);
      const [kind, ...id] = pending.callerId.split(':');
      await this.audit.record({
        workspaceId: row.workspaceId,
        actor: actorOf({ kind: kind === 'user' ? 'user' : 'api_key', id: id.join(':'), role: 'admin' }),
        action: 'connection.authorized',
        target: { type: 'connection', id: row.id },
      });
      return toConnectionView(stored);
    } catch (error) {
      if (error instanceof OAuthRejectedError) throw new RemoteError('invalid_request', `the provider refused the authorization code (${error.error})`);
      if (error instanceof OAuthUnavailableError) throw new RemoteError('unavailable', error.message);
      if (error instanceof OAuthEndpointRefusedError) {
        throw new RemoteError('unprocessable', `the token URL is refused by the outbound fence: ${error.message}`, [{ path: 'oauth.tokenUrl', message: error.message }]);
      }
      throw error;
    }
  }
}
