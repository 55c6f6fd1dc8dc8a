import type { ConnectorDefinition } from '@junction/connector-sdk';
import { githubConnector } from '@junction/connector-github';
import { httpConnector } from '@junction/connector-http';
import { postgresConnector } from '@junction/connector-postgres';
import { scheduleConnector } from '@junction/connector-schedule';
import { slackConnector } from '@junction/connector-slack';
import { standardWebhooksConnector } from '@junction/connector-standard-webhooks';
import { stripeConnector } from '@junction/connector-stripe';
import { webhookConnector } from '@junction/connector-webhook';

/** Every connector that ships with Junction. A new one is added here (the generator does it). */
export const BUILT_IN_CONNECTORS: ConnectorDefinition[] = [
  githubConnector,
  httpConnector,
  postgresConnector,
  scheduleConnector,
  slackConnector,
  standardWebhooksConnector,
  stripeConnector,
  webhookConnector,
];
