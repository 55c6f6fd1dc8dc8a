import { Injectable } from '@nestjs/common';
import { Issuer, custom, errors, generators, type BaseClient } from 'openid-client';
import type { OAuthConfig } from '@junction/auth/data-access';

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

/** Calls a provider's token and authorization endpoints through openid-client (RFC 6749, 7636). */
@Injectable()
export class OAuthClient {
  /** Per call to a provider, ms. */
  static readonly TIMEOUT_MS = 10_000;

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
    client[custom.http_options] = (_url, options) => ({ ...options, timeout: OAuthClient.TIMEOUT_MS });
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
