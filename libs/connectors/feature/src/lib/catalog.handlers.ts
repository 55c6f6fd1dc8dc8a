import { Injectable } from '@nestjs/common';
import { GetConnector, ListConnectors, type ConnectorList, type ConnectorSummary, type GetConnectorRequest } from '@junction/connectors/contracts';
import { OnRequest } from '@junction/platform/messaging';
import { RemoteError } from '@junction/platform/ports';
import { ConnectorRegistry } from './connector-registry';

@Injectable()
export class CatalogHandlers {
  constructor(private readonly registry: ConnectorRegistry) {}

  @OnRequest(ListConnectors)
  async list(): Promise<ConnectorList> {
    return { items: this.registry.list() };
  }

  @OnRequest(GetConnector)
  async get(request: GetConnectorRequest): Promise<ConnectorSummary> {
    const found = this.registry.summary(request.key);
    if (!found) throw new RemoteError('not_found', `connector "${request.key}" was not found`);
    return found;
  }
}
