import { IsObject, IsString, MaxLength } from 'class-validator';
import { defineRpc } from '@junction/platform/ports';
import { ConnectorSummary } from './catalog.contracts';

export class RegisterConnectorRequest {
  @IsString()
  @MaxLength(64)
  workspaceId: string;

  /** A declarative HTTP connector definition; validated by the connectors service (errors carry JSON paths). */
  @IsObject()
  definition: Record<string, unknown>;
}

/** `connectors.register.v1`: a new version of a workspace's custom connector (1 for a new key). */
export const RegisterConnector = defineRpc('connectors.register.v1', RegisterConnectorRequest, ConnectorSummary);
