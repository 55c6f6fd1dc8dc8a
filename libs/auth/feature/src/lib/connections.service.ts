import { Inject, Injectable } from '@nestjs/common';
import { ulid } from 'ulid';
import { parseAllowedHosts } from '@junction/connector-sdk';
import { RemoteError } from '@junction/platform/ports';
import { AuditPublisher } from '@junction/audit/contracts';
import { CONNECTION_ID_RE, type CallerRef, type ConnectionList, type ConnectionView, type Deleted, type OAuthSettings } from '@junction/auth/contracts';
import { ConnectionNameTakenError, ConnectionRepository, type ConnectionEntity, type Page, type TenantScope } from '@junction/auth/data-access';
import { actorOf, assertAllowed } from './authorize';
import { ConnectorCheck } from './connector-check';
import { assertCustomCredentials } from './custom-credentials';
import { OAuthClient, OAuthEndpointRefusedError } from './oauth-client';
import { SealedSecrets } from './sealed-secrets';
import { AUDIT, CLOCK, type Clock } from './tokens';
import { nextCursor, toConnectionView } from './views';

@Injectable()
export class ConnectionsService {
  constructor(
    private readonly rows: ConnectionRepository,
    private readonly secrets: SealedSecrets,
    private readonly connectors: ConnectorCheck,
    private readonly oauthClient: OAuthClient,
    @Inject(AUDIT) private readonly audit: AuditPublisher,
    @Inject(CLOCK) private readonly now: Clock,
  ) {}

  async create(
    scope: TenantScope,
    caller: CallerRef,
    input: { name: string; connector: string; credentials: Record<string, string>; oauth?: OAuthSettings },
  ): Promise<ConnectionView> {
    assertAllowed(caller, 'connections:write');
    if (input.oauth && !input.credentials.clientId) {
      throw new RemoteError('invalid_request', 'an OAuth2 connection needs credentials.clientId', [{ path: 'credentials.clientId', message: 'is required with oauth' }]);
    }
    if (input.oauth) await this.assertFencedTokenUrl(input.oauth.tokenUrl);
    assertAllowedHosts(input.credentials);
    await this.assertNameFree(scope, input.name);
    assertCustomCredentials(await this.connectors.assertKnown(scope.workspaceId, input.connector), input.credentials);
    const at = this.now();
    const id = `conn_${ulid()}`;
    const row: ConnectionEntity = {
      id,
      workspaceId: scope.workspaceId,
      name: input.name,
      connector: input.connector,
      // an authorization-code connection has no token until the user completes the flow
      status: input.oauth?.grant === 'authorization_code' ? 'needs_reauth' : 'active',
      ...(await this.secrets.seal({ workspaceId: scope.workspaceId, id }, input.credentials)),
      oauth: input.oauth ? { ...input.oauth } : null,
      createdAt: at,
      updatedAt: at,
    };
    await conflictOnTakenName(() => this.rows.insert(row));
    await this.audit.record({
      workspaceId: scope.workspaceId,
      actor: actorOf(caller),
      action: 'connection.created',
      target: { type: 'connection', id },
      changes: { name: row.name, connector: row.connector, secretFields: row.secretFields },
      at,
    });
    return toConnectionView(row);
  }

  async list(scope: TenantScope, caller: CallerRef, page: Page): Promise<ConnectionList> {
    assertAllowed(caller, 'connections:read');
    const rows = await this.rows.list(scope, page);
    return { items: rows.map(toConnectionView), ...nextCursor(rows, page.limit) };
  }

  /**
   * Connector keys and names of the given connections of a workspace, asked for by id or by name
   * (recipe validation, name resolution and export; no secret, no caller: the executor asks).
   */
  async connectorsOf(workspaceId: string, ids: string[], names: string[] = []): Promise<{ connections: { id: string; connector: string; name: string }[] }> {
    // an id that cannot be a connection's is simply not found (and never reaches the database)
    const rows = await this.rows.findMany({ workspaceId }, { ids: [...new Set(ids)].filter((id) => CONNECTION_ID_RE.test(id)), names: [...new Set(names)] });
    return { connections: rows.map((row) => ({ id: row.id, connector: row.connector, name: row.name })) };
  }

  async get(scope: TenantScope & { id: string }, caller: CallerRef): Promise<ConnectionView> {
    assertAllowed(caller, 'connections:read');
    return toConnectionView(await this.mustFind(scope));
  }

  /** `credentials`, when given, replace every secret field under a fresh data key. */
  async update(scope: TenantScope & { id: string }, caller: CallerRef, input: { name?: string; credentials?: Record<string, string> }): Promise<ConnectionView> {
    assertAllowed(caller, 'connections:write');
    const row = await this.mustFind(scope);
    if (input.name !== undefined && input.name !== row.name) await this.assertNameFree(scope, input.name);
    const at = this.now();
    const changes: Parameters<ConnectionRepository['update']>[1] = { updatedAt: at };
    if (input.name !== undefined) changes.name = input.name;
    // new credentials drop any tokens: an authorization-code connection must be authorised again
    if (input.credentials !== undefined) {
      assertAllowedHosts(input.credentials);
      assertCustomCredentials(await this.connectors.assertKnown(scope.workspaceId, row.connector), input.credentials);
      Object.assign(changes, await this.secrets.seal(row, input.credentials), { status: row.oauth?.grant === 'authorization_code' ? 'needs_reauth' : 'active' });
    }
    if (!(await conflictOnTakenName(() => this.rows.update(scope, changes)))) throw new RemoteError('not_found', 'connection not found');
    await this.audit.record({
      workspaceId: scope.workspaceId,
      actor: actorOf(caller),
      action: 'connection.updated',
      target: { type: 'connection', id: row.id },
      changes: { ...(changes.name !== undefined ? { name: changes.name } : {}), ...(changes.secretFields ? { secretFields: changes.secretFields } : {}) },
      at,
    });
    return toConnectionView({ ...row, ...changes });
  }

  async delete(scope: TenantScope & { id: string }, caller: CallerRef): Promise<Deleted> {
    assertAllowed(caller, 'connections:write');
    if (!(await this.rows.delete(scope))) throw new RemoteError('not_found', 'connection not found');
    await this.audit.record({ workspaceId: scope.workspaceId, actor: actorOf(caller), action: 'connection.deleted', target: { type: 'connection', id: scope.id } });
    return { id: scope.id };
  }

  /** The auth service calls the token URL itself: one the outbound fence refuses is refused here, before it is stored. */
  private async assertFencedTokenUrl(tokenUrl: string): Promise<void> {
    try {
      await this.oauthClient.checkEndpoint(tokenUrl);
    } catch (error) {
      if (!(error instanceof OAuthEndpointRefusedError)) throw error;
      throw new RemoteError('unprocessable', `oauth.tokenUrl is not allowed: ${error.message}`, [{ path: 'oauth.tokenUrl', message: error.message }]);
    }
  }

  /**
   * Names are unique in a workspace (recipes name their connections) and never look like an id
   * (a recipe's `connection` field takes either).
   */
  private async assertNameFree(scope: TenantScope, name: string): Promise<void> {
    if (CONNECTION_ID_RE.test(name)) {
      throw new RemoteError('invalid_request', 'a connection name cannot look like a connection id', [{ path: 'name', message: 'must not be conn_ followed by a ULID' }]);
    }
    const taken = await this.rows.findByName({ ...scope, name });
    if (taken) throw nameTaken(name, taken.id);
  }

  private async mustFind(scope: TenantScope & { id: string }): Promise<ConnectionEntity> {
    const row = await this.rows.find(scope);
    if (!row) throw new RemoteError('not_found', 'connection not found');
    return row;
  }
}

function nameTaken(name: string, id?: string): RemoteError {
  const message = `a connection named ${JSON.stringify(name)} already exists${id ? ` (${id})` : ''}`;
  return new RemoteError('conflict', `${message} in this workspace`, [{ path: 'name', message }]);
}

/** A concurrent writer that took the name first: the unique index answers, as a 409 too. */
async function conflictOnTakenName<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof ConnectionNameTakenError) throw nameTaken(error.connectionName);
    throw error;
  }
}

/** `allowedHosts` (the hosts the connection's credentials may go to) is checked when it is written, not first at a step's run. */
function assertAllowedHosts(credentials: Record<string, string>): void {
  if (credentials.allowedHosts === undefined) return;
  try {
    parseAllowedHosts(credentials.allowedHosts);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new RemoteError('invalid_request', 'credentials.allowedHosts is invalid', [{ path: 'credentials.allowedHosts', message }]);
  }
}
