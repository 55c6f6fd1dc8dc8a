import { Inject, Injectable } from '@nestjs/common';
import { GetConnector, type ConnectorSummary } from '@junction/connectors/contracts';
import { DeadlineExceededError, MESSAGE_BUS, RemoteError, type MessageBus } from '@junction/platform/ports';

/** Asks the connectors service whether a connector key exists (for this workspace), and what it accepts. */
@Injectable()
export class ConnectorCheck {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  async assertKnown(workspaceId: string, key: string): Promise<ConnectorSummary> {
    try {
      return await this.bus.request(GetConnector, { key, workspaceId }, { workspaceId });
    } catch (error) {
      if (error instanceof RemoteError && (error.code === 'not_found' || error.code === 'invalid_request')) {
        throw new RemoteError('invalid_request', `connector "${key}" is not known`, [{ path: 'connector', message: 'is not a known connector' }]);
      }
      if (error instanceof DeadlineExceededError) throw new RemoteError('unavailable', 'the connector catalog did not answer');
      throw error;
    }
  }
}
