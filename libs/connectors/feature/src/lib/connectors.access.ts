import { ReadCredentials } from '@junction/auth/contracts';
import { GetConnector, InvokeAction, ListConnectors, RegisterConnector, TestConnection, TriggerLifecycle, VerifyWebhook } from '@junction/connectors/contracts';
import { idempotencyAccess } from '@junction/platform/idempotency';
import type { ServiceAccess } from '@junction/platform/ports';
import { ConnectorsPoll } from '@junction/scheduler/contracts';

/** Everything connectors does on NATS: its NATS permissions are generated from this (tools/scripts/service-auth.ts). */
export const connectorsAccess: ServiceAccess = {
  service: 'connectors',
  serves: [ListConnectors, GetConnector, RegisterConnector, InvokeAction, TestConnection, VerifyWebhook, TriggerLifecycle, ConnectorsPoll, ...idempotencyAccess('connectors')],
  calls: [ReadCredentials],
  publishes: [],
  consumes: [],
};
