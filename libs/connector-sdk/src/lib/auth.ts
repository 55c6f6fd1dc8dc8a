import type { TSchema } from '@sinclair/typebox';
import { secretForms } from './credential-binding';
import type { HttpRequest } from './http-client';

/** How a connector authenticates; a connector may accept several. */
export type AuthSpec =
  | { kind: 'none' }
  | { kind: 'api_key'; in: 'header' | 'query'; name: string; /** e.g. `Token ` */ prefix?: string }
  | { kind: 'basic' }
  | { kind: 'bearer' }
  | { kind: 'oauth2'; grant: 'authorization_code' | 'client_credentials'; authorizeUrl?: string; tokenUrl: string; scopes?: string[] }
  | { kind: 'custom'; fields: TSchema };

export type AuthKind = AuthSpec['kind'];

/** Decrypted credentials of a connection, as handed to an action (never logged, never stored in job data). */
export type Credentials =
  | { kind: 'none' }
  | { kind: 'api_key'; apiKey: string }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string }
  | { kind: 'oauth2'; accessToken: string; tokenType?: string }
  | { kind: 'custom'; fields: Record<string, unknown> };

/** Adds the credentials to a request the way `spec` says (header, query or Authorization). */
export function applyAuth(request: HttpRequest, credentials: Credentials, spec?: AuthSpec): HttpRequest {
  const headers = { ...(request.headers ?? {}) };
  const query = { ...(request.query ?? {}) };
  switch (credentials.kind) {
    case 'none':
    case 'custom':
      return request;
    case 'api_key': {
      const name = spec?.kind === 'api_key' ? spec.name : 'x-api-key';
      const value = `${spec?.kind === 'api_key' ? (spec.prefix ?? '') : ''}${credentials.apiKey}`;
      if (spec?.kind === 'api_key' && spec.in === 'query') query[name] = value;
      else headers[name] = value;
      break;
    }
    case 'basic':
      headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      break;
    case 'bearer':
      headers.authorization = `Bearer ${credentials.token}`;
      break;
    case 'oauth2':
      headers.authorization = `${credentials.tokenType ?? 'Bearer'} ${credentials.accessToken}`;
      break;
  }
  return { ...request, headers, query };
}

/**
 * Every form of every secret of the credentials (any length, raw and each encoding this client
 * produces): what redaction must never let through.
 */
export function secretValues(credentials: Credentials | undefined): string[] {
  return secretForms(credentials);
}
