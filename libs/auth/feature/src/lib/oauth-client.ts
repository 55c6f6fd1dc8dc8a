import type { Agent } from 'node:http';
import { Injectable } from '@nestjs/common';
import { Issuer, custom, errors, generators, type BaseClient } from 'openid-client';
import type { OAuthConfig } from '@junction/auth/data-access';
import { Fence, FenceRefusal } from '@junction/platform/fence';

/** Tokens as stored in the connection's secret fields (all strings, like every secret field). */
export interface TokenGrant {
  accessToken: string;
  tokenType: string;
  refreshToken?: string;
  /** ISO 8601; absent when the provider gave no lifetime. */
  accessTokenExpiresAt?: string;
}

/** The provider answered with an OAuth error (invalid_grant, invalid_client…): retrying will not help. */
export class OAuthRejectedError extends Error {
  override readonly name = 'OAuthRejectedError';
  constructor(readonly error: string) {
    super(`the provider refused: ${error}`);
  }
}

/** Provider did not answer usefully (network, timeout, malformed response): may be retried. */
export class OAuthUnavailableError extends Error {
  override readonly name = 'OAuthUnavailableError';
}

export interface ClientSecrets {
  clientId: string;
  clientSecret?: string;
}

/** The token endpoint is an address the outbound fence refuses (private, loopback, the platform's own…). */
export class OAuthEndpointRefusedError extends Error {
  override readonly name = 'OAuthEndpointRefusedError';
}

/**
 * Calls a provider's token and authorization endpoints through openid-client (RFC 6749, 7636).
 * Every connection goes through the outbound fence the connectors use (same policy, same
 * `JUNCTION_HTTP_ALLOW`): the token URL is a tenant's input, and the auth service holds every
 * workspace's secrets, so it must not be a way into the private network.
 */
@Injectable()
export class OAuthClient {
  /** Per call to a provider, ms. */
  static readonly TIMEOUT_MS = 10_000;
  private readonly httpAgent: Agent;
  private readonly httpsAgent: Agent;

  constructor(private readonly fence: Fence) {
    this.httpAgent = fence.httpAgent({ connectTimeoutMs: OAuthClient.TIMEOUT_MS });
    this.httpsAgent = fence.httpsAgent({ connectTimeoutMs: OAuthClient.TIMEOUT_MS });
  }

  /**
   * Refuses an endpoint the fence would refuse (`OAuthEndpointRefusedError`, with why), so a
   * connection cannot be saved pointing at one. A name that does not resolve now is let through:
   * every call is fenced again when it is made.
   */
  async checkEndpoint(url: string): Promise<void> {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new OAuthEndpointRefusedError('is not a valid URL');
    }
    if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new OAuthEndpointRefusedError('must be an http or https URL');
    const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
    try {
      await this.fence.resolve(target.hostname, port);
    } catch (error) {
      if (error instanceof FenceRefusal) throw new OAuthEndpointRefusedError(error.message);
    }
  }

  pkce(): { verifier: string; challenge: string } {
    const verifier = generators.codeVerifier();
    return { verifier, challenge: generators.codeChallenge(verifier) };
  }

  authorizationUrl(config: OAuthConfig, secrets: ClientSecrets, params: { state: string; challenge: string; redirectUri: string }): string {
    return this.client(config, secrets).authorizationUrl({
      redirect_uri: params.redirectUri,
      state: params.state,
      code_challenge: params.challenge,
      code_challenge_method: 'S256',
      ...(config.scopes?.length ? { scope: config.scopes.join(' ') } : {}),
    });
  }

  exchangeCode(config: OAuthConfig, secrets: ClientSecrets, params: { code: string; state: string; verifier: string; redirectUri: string }): Promise<TokenGrant> {
    return this.call(() =>
      this.client(config, secrets).oauthCallback(params.redirectUri, { code: params.code, state: params.state }, { code_verifier: params.verifier, state: params.state }),
    );
  }

  refresh(config: OAuthConfig, secrets: ClientSecrets, refreshToken: string): Promise<TokenGrant> {
    return this.call(() => this.client(config, secrets).refresh(refreshToken), refreshToken);
  }

  clientCredentials(config: OAuthConfig, secrets: ClientSecrets): Promise<TokenGrant> {
    return this.call(() => this.client(config, secrets).grant({ grant_type: 'client_credentials', ...(config.scopes?.length ? { scope: config.scopes.join(' ') } : {}) }));
  }

  private client(config: OAuthConfig, secrets: ClientSecrets): BaseClient {
    const issuer = new Issuer({
      issuer: new URL(config.tokenUrl).origin,
      token_endpoint: config.tokenUrl,
      ...(config.authorizationUrl ? { authorization_endpoint: config.authorizationUrl } : {}),
    });
    const client = new issuer.Client({
      client_id: secrets.clientId,
      ...(secrets.clientSecret ? { client_secret: secrets.clientSecret, token_endpoint_auth_method: 'client_secret_basic' } : { token_endpoint_auth_method: 'none' }),
      ...(config.redirectUri ? { redirect_uris: [config.redirectUri] } : {}),
      response_types: ['code'],
    });
    client[custom.http_options] = (url, options) => ({ ...options, timeout: OAuthClient.TIMEOUT_MS, agent: url.protocol === 'https:' ? this.httpsAgent : this.httpAgent });
    return client;
  }

  private async call(
    fn: () => Promise<{ access_token?: string; token_type?: string; refresh_token?: string; expires_at?: number }>,
    previousRefresh?: string,
  ): Promise<TokenGrant> {
    let tokens;
    try {
      tokens = await fn();
    } catch (error) {
      if (error instanceof errors.OPError) throw new OAuthRejectedError(error.error ?? 'error');
      if (error instanceof FenceRefusal) throw new OAuthEndpointRefusedError(error.message);
      // messages of openid-client errors may quote the response; only the class name leaves here
      throw new OAuthUnavailableError(`the provider's token endpoint failed (${(error as Error).name})`);
    }
    if (!tokens.access_token) throw new OAuthUnavailableError('the provider returned no access_token');
    const refreshToken = tokens.refresh_token ?? previousRefresh;
    return {
      accessToken: tokens.access_token,
      tokenType: tokens.token_type ?? 'Bearer',
      ...(refreshToken ? { refreshToken } : {}),
      ...(tokens.expires_at ? { accessTokenExpiresAt: new Date(tokens.expires_at * 1000).toISOString() } : {}),
    };
  }
}
