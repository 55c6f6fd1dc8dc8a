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
  /**
   * `fields`: JSON Schema of the connection's own fields (a flat map of strings), published in the
   * catalog; mark secrets `writeOnly: true` so forms never show them.
   */
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

/**
 * The kind a connection's stored fields are read as: an explicit `kind` field wins, otherwise the
 * field names decide (`accessToken`, `token`, `apiKey`, `username` + `password`); anything else is `custom`.
 */
export function credentialKindOf(fields: Record<string, string>): Exclude<AuthKind, 'none'> {
  const kind = fields['kind'];
  if (kind === 'oauth2' || (!kind && fields['accessToken'])) return 'oauth2';
  if (kind === 'bearer' || (!kind && fields['token'])) return 'bearer';
  if (kind === 'api_key' || (!kind && fields['apiKey'])) return 'api_key';
  if (kind === 'basic' || (!kind && fields['username'] !== undefined && fields['password'] !== undefined)) return 'basic';
  return 'custom';
}

/**
 * The field of a connection naming the hosts its credentials may go to besides the connector's own
 * (see parseAllowedHosts): stored with the secrets, never part of a custom connection's own fields.
 */
export const ALLOWED_HOSTS_FIELD = 'allowedHosts';

/** A custom connection's own fields: what its connector's credentials schema describes (no kind, no allowed hosts). */
export function customFieldsOf(fields: Record<string, string>): Record<string, string> {
  const { kind: _kind, [ALLOWED_HOSTS_FIELD]: _hosts, ...own } = fields;
  return own;
}

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
