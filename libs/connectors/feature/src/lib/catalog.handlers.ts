import { Injectable } from '@nestjs/common';
import {
  GetConnector,
  ListConnectors,
  RegisterConnector,
  type ConnectorList,
  type ConnectorSummary,
  type GetConnectorRequest,
  type ListConnectorsRequest,
  type RegisterConnectorRequest,
} from '@junction/connectors/contracts';
import { OnRequest } from '@junction/platform/messaging';
import { RemoteError } from '@junction/platform/ports';
import { ConnectorResolver } from './connector-resolver';

@Injectable()
export class CatalogHandlers {
  constructor(private readonly resolver: ConnectorResolver) {}

  @OnRequest(ListConnectors)
  async list(request: ListConnectorsRequest): Promise<ConnectorList> {
    return { items: await this.resolver.list(request.workspaceId) };
  }

  @OnRequest(GetConnector)
  async get(request: GetConnectorRequest): Promise<ConnectorSummary> {
    const found = await this.resolver.summary(request.workspaceId, request.key);
    if (!found) throw new RemoteError('not_found', `connector "${request.key}" was not found`);
    return found;
  }

  @OnRequest(RegisterConnector)
  register(request: RegisterConnectorRequest): Promise<ConnectorSummary> {
    return this.resolver.register(request.workspaceId, request.definition);
  }
}
