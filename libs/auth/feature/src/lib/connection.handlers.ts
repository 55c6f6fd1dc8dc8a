import { Injectable } from '@nestjs/common';
import { OnRequest } from '@junction/platform/messaging';
import { RemoteError, type IncomingMeta } from '@junction/platform/ports';
import {
  CompleteOAuth,
  LookupConnectionConnectors,
  CreateConnection,
  DeleteConnection,
  GetConnection,
  ListConnections,
  ReadCredentials,
  RotateVault,
  StartOAuth,
  UpdateConnection,
  type CompleteOAuthRequest,
  type ConnectionConnectors,
  type ConnectionConnectorsRequest,
  type ConnectionList,
  type ConnectionRef,
  type ConnectionView,
  type CreateConnectionRequest,
  type Credentials,
  type Deleted,
  type OAuthAuthorization,
  type ListConnectionsRequest,
  type ReadCredentialsRequest,
  type RotateVaultRequest,
  type RotateVaultResult,
  type StartOAuthRequest,
  type UpdateConnectionRequest,
} from '@junction/auth/contracts';
import { pageOf, scopeOf } from './auth.handlers';
import { ConnectionsService } from './connections.service';
import { CredentialReaderService } from './credential-reader.service';
import { OAuthFlowService } from './oauth-flow.service';
import { VaultRotationService } from './vault-rotation.service';

@Injectable()
export class ConnectionHandlers {
  constructor(
    private readonly connections: ConnectionsService,
    private readonly credentials: CredentialReaderService,
    private readonly oauth: OAuthFlowService,
    private readonly rotation: VaultRotationService,
  ) {}

  @OnRequest(CreateConnection)
  create(request: CreateConnectionRequest, meta: IncomingMeta): Promise<ConnectionView> {
    return this.connections.create(scopeOf(request, meta), request.caller, request);
  }

  @OnRequest(ListConnections)
  list(request: ListConnectionsRequest, meta: IncomingMeta): Promise<ConnectionList> {
    return this.connections.list(scopeOf(request, meta), request.caller, pageOf(request.page));
  }

  @OnRequest(GetConnection)
  get(request: ConnectionRef, meta: IncomingMeta): Promise<ConnectionView> {
    return this.connections.get({ ...scopeOf(request, meta), id: request.id }, request.caller);
  }

  @OnRequest(UpdateConnection)
  update(request: UpdateConnectionRequest, meta: IncomingMeta): Promise<ConnectionView> {
    return this.connections.update({ ...scopeOf(request, meta), id: request.id }, request.caller, request);
  }

  @OnRequest(DeleteConnection)
  delete(request: ConnectionRef, meta: IncomingMeta): Promise<Deleted> {
    return this.connections.delete({ ...scopeOf(request, meta), id: request.id }, request.caller);
  }

  @OnRequest(LookupConnectionConnectors)
  connectorsOf(request: ConnectionConnectorsRequest, meta: IncomingMeta): Promise<ConnectionConnectors> {
    if (meta.workspaceId && meta.workspaceId !== request.workspaceId) throw new RemoteError('forbidden', 'workspace of the request and of its context differ');
    return this.connections.connectorsOf(request.workspaceId, request.connectionIds, request.names);
  }

  @OnRequest(ReadCredentials)
  readCredentials(request: ReadCredentialsRequest): Promise<Credentials> {
    return this.credentials.read({ workspaceId: request.workspaceId, id: request.connectionId }, request.jobId);
  }

  @OnRequest(StartOAuth)
  startOAuth(request: StartOAuthRequest, meta: IncomingMeta): Promise<OAuthAuthorization> {
    return this.oauth.start({ ...scopeOf(request, meta), id: request.id }, request.caller, request.redirectUri);
  }

  @OnRequest(CompleteOAuth)
  completeOAuth(request: CompleteOAuthRequest): Promise<ConnectionView> {
    return this.oauth.complete(request.state, request.code);
  }

  @OnRequest(RotateVault)
  rotate(request: RotateVaultRequest): Promise<RotateVaultResult> {
    return this.rotation.rotate(request.batchSize);
  }
}
