import { Injectable } from '@nestjs/common';
import * as oidc from 'openid-client';
import { fetch as undiciFetch, type Agent } from 'undici';
import type { OAuthConfig } from '@junction/auth/data-access';
import { Fence, FenceRefusal, fencedDispatcher } from '@junction/platform/fence';

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
  private readonly dispatcher: Agent;

  constructor(private readonly fence: Fence) {
    this.dispatcher = fencedDispatcher(fence, { connectTimeoutMs: OAuthClient.TIMEOUT_MS });
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

  async pkce(): Promise<{ verifier: string; challenge: string }> {
    const verifier = oidc.randomPKCECodeVerifier();
    return { verifier, challenge: await oidc.calculatePKCECodeChallenge(verifier) };
  }

  authorizationUrl(config: OAuthConfig, secrets: ClientSecrets, params: { state: string; challenge: string; redirectUri: string }): string {
    return oidc
      .buildAuthorizationUrl(this.configuration(config, secrets), {
        response_type: 'code',
        redirect_uri: params.redirectUri,
        state: params.state,
        code_challenge: params.challenge,
        code_challenge_method: 'S256',
        ...(config.scopes?.length ? { scope: config.scopes.join(' ') } : {}),
      })
      .toString();
  }

  exchangeCode(config: OAuthConfig, secrets: ClientSecrets, params: { code: string; state: string; verifier: string; redirectUri: string }): Promise<TokenGrant> {
    // the library reads the authorization response from the URL the provider sent the browser back to
    const callback = new URL(params.redirectUri);
    callback.searchParams.set('code', params.code);
    callback.searchParams.set('state', params.state);
    return this.call(() =>
      oidc.authorizationCodeGrant(
        this.configuration(config, secrets),
        callback,
        { pkceCodeVerifier: params.verifier, expectedState: params.state },
        { redirect_uri: params.redirectUri },
      ),
    );
  }

  refresh(config: OAuthConfig, secrets: ClientSecrets, refreshToken: string): Promise<TokenGrant> {
    return this.call(() => oidc.refreshTokenGrant(this.configuration(config, secrets), refreshToken), refreshToken);
  }

  clientCredentials(config: OAuthConfig, secrets: ClientSecrets): Promise<TokenGrant> {
    return this.call(() => oidc.clientCredentialsGrant(this.configuration(config, secrets), config.scopes?.length ? { scope: config.scopes.join(' ') } : {}));
  }

  private configuration(config: OAuthConfig, secrets: ClientSecrets): oidc.Configuration {
    const server: oidc.ServerMetadata = {
      issuer: new URL(config.tokenUrl).origin,
      token_endpoint: config.tokenUrl,
      ...(config.authorizationUrl ? { authorization_endpoint: config.authorizationUrl } : {}),
    };
    const configuration = new oidc.Configuration(
      server,
      secrets.clientId,
      secrets.clientSecret ? { client_secret: secrets.clientSecret } : {},
      secrets.clientSecret ? oidc.ClientSecretBasic(secrets.clientSecret) : oidc.None(),
    );
    configuration.timeout = OAuthClient.TIMEOUT_MS / 1000;
    configuration[oidc.customFetch] = (url, options) => undiciFetch(url, { ...(options as object), dispatcher: this.dispatcher }) as unknown as Promise<Response>;
    // plain http is the tenant's choice (the fence, not the scheme, decides what may be reached)
    if (new URL(config.tokenUrl).protocol === 'http:') oidc.allowInsecureRequests(configuration);
    return configuration;
  }

  private async call(
    fn: () => Promise<{ access_token?: string; token_type?: string; refresh_token?: string; expires_in?: number }>,
    previousRefresh?: string,
  ): Promise<TokenGrant> {
    let tokens;
    try {
      tokens = await fn();
    } catch (error) {
      if (error instanceof oidc.ResponseBodyError) throw new OAuthRejectedError(error.error || 'error');
      const refusal = fenceRefusalIn(error);
      if (refusal) throw new OAuthEndpointRefusedError(refusal.message);
      // messages of the library's errors may quote the response; only the class name leaves here
      throw new OAuthUnavailableError(`the provider's token endpoint failed (${(error as Error).name})`);
    }
    if (!tokens.access_token) throw new OAuthUnavailableError('the provider returned no access_token');
    const refreshToken = tokens.refresh_token ?? previousRefresh;
    return {
      accessToken: tokens.access_token,
      // the library lower-cases token_type; the scheme is case-insensitive, but some APIs accept only `Bearer`
      tokenType: !tokens.token_type || tokens.token_type.toLowerCase() === 'bearer' ? 'Bearer' : tokens.token_type,
      ...(refreshToken ? { refreshToken } : {}),
      ...(tokens.expires_in ? { accessTokenExpiresAt: new Date(Date.now() + tokens.expires_in * 1000).toISOString() } : {}),
    };
  }
}

/** fetch wraps a refused connection in its own errors (`fetch failed` → cause → …): find the fence's. */
function fenceRefusalIn(error: unknown): FenceRefusal | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) if (e instanceof FenceRefusal) return e;
  return undefined;
}
