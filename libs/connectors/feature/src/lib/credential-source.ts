import { ReadCredentials } from '@junction/auth/contracts';
import {
  AuthError,
  FatalError,
  RetryableError,
  credentialKindOf,
  customFieldsOf,
  parseAllowedHosts,
  ALLOWED_HOSTS_FIELD,
  secretForms,
  type Credentials,
  type HostRule,
} from '@junction/connector-sdk';
import { DeadlineExceededError, RemoteError, type MessageBus } from '@junction/platform/ports';

/**
 * The vault stores a connection's secrets as a flat map of named fields; an action wants them
 * typed by auth kind. The field names decide the kind (an explicit `kind` field wins).
 */
export function toCredentials(fields: Record<string, string>): Credentials {
  switch (credentialKindOf(fields)) {
    case 'oauth2':
      return { kind: 'oauth2', accessToken: fields.accessToken ?? '', tokenType: fields.tokenType };
    case 'bearer':
      return { kind: 'bearer', token: fields.token ?? '' };
    case 'api_key':
      return { kind: 'api_key', apiKey: fields.apiKey ?? '' };
    case 'basic':
      return { kind: 'basic', username: fields.username ?? '', password: fields.password ?? '' };
    case 'custom':
      return { kind: 'custom', fields: customFieldsOf(fields) };
  }
}

/**
 * Connection field naming the hosts its credentials may go to besides the connector's own (comma
 * or space separated; `host`, `host:port`, `*.domain`, `http://` prefix for plain http). It sits
 * with the secrets on purpose: changing it means re-entering them, so whoever can point a
 * credential at a host already holds it.
 */
export const ALLOWED_HOSTS = ALLOWED_HOSTS_FIELD;

export function allowedHostsOf(fields: Record<string, string>): HostRule[] {
  return parseAllowedHosts(fields[ALLOWED_HOSTS]);
}

/** Connection fields that say how, not what: never scrubbed (a token type like `Bearer` would otherwise vanish from every output). */
const NOT_SECRET = new Set(['kind', ALLOWED_HOSTS, 'tokenType']);

/**
 * Every encoded form of every secret the connection holds, for scrubbing: its credentials and
 * also fields that are not (a webhook signing secret kept beside a token).
 */
export function secretFormsOf(fields: Record<string, string>): string[] {
  const others = Object.fromEntries(Object.entries(fields).filter(([name]) => !NOT_SECRET.has(name)));
  return [...new Set([...secretForms(toCredentials(fields)), ...secretForms({ kind: 'custom', fields: others })])];
}

/** Fetches a connection's decrypted credentials from the auth service; each read is audited there. */
export class CredentialSource {
  constructor(private readonly bus: MessageBus) {}

  async read(workspaceId: string, connectionId: string, jobId: string, connector: string): Promise<Credentials> {
    return toCredentials(await this.fields(workspaceId, connectionId, jobId, connector));
  }

  /** The connection's connector and fields as the vault answers, its errors untouched (the vault audits the read under `jobId`). */
  lookup(workspaceId: string, connectionId: string, jobId: string): Promise<{ connector: string; credentials: Record<string, string> }> {
    return this.bus.request(ReadCredentials, { workspaceId, connectionId, jobId }, { workspaceId });
  }

  /** The connection's fields as stored (for secrets that are not credentials, like a signing secret). */
  async fields(workspaceId: string, connectionId: string, jobId: string, connector: string): Promise<Record<string, string>> {
    try {
      const found = await this.lookup(workspaceId, connectionId, jobId);
      if (found.connector !== connector) throw new FatalError(`connection ${connectionId} belongs to connector ${found.connector}, not ${connector}`);
      return found.credentials;
    } catch (error) {
      if (error instanceof DeadlineExceededError) throw new RetryableError('the vault did not answer in time');
      if (error instanceof RemoteError && error.code === 'not_found') throw new FatalError(`connection ${connectionId} was not found`);
      // the vault answers conflict for a connection marked needs_reauth: retrying cannot help
      if (error instanceof RemoteError && error.code === 'conflict') throw new AuthError(`connection ${connectionId} needs to be re-authorised: ${error.message}`);
      if (error instanceof RemoteError && error.code === 'unavailable') throw new RetryableError(error.message);
      throw error;
    }
  }
}
