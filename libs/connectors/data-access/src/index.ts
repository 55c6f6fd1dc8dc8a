import { CustomConnectorVersion } from './lib/custom-connector.entity';
import { CustomConnectors1764000000000 } from './lib/migrations/1764000000000-custom-connectors';
import { ConnectorsIdempotencyKeys1765900000000 } from './lib/migrations/1765900000000-idempotency-keys';

export * from './lib/custom-connector.entity';
export * from './lib/custom-connector.repository';

/** What the connectors service's database holds, in migration order. */
export const CONNECTORS_ENTITIES = [CustomConnectorVersion];
export const CONNECTORS_MIGRATIONS = [CustomConnectors1764000000000, ConnectorsIdempotencyKeys1765900000000];
