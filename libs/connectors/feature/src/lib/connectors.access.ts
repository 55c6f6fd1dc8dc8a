import { ReadCredentials } from '@junction/auth/contracts';
import { GetConnector, InvokeAction, ListConnectors, RegisterConnector, TriggerLifecycle, VerifyWebhook } from '@junction/connectors/contracts';
import type { ServiceAccess } from '@junction/platform/ports';
import { ConnectorsPoll } from '@junction/scheduler/contracts';

/** Everything connectors does on NATS: its NATS permissions are generated from this (tools/scripts/service-auth.ts). */
export const connectorsAccess: ServiceAccess = {
  service: 'connectors',
  serves: [ListConnectors, GetConnector, RegisterConnector, InvokeAction, VerifyWebhook, TriggerLifecycle, ConnectorsPoll],
  calls: [ReadCredentials],
  publishes: [],
  consumes: [],
};
