import { AddressPolicy, Fence } from '../lib/address-policy';
import type { Credentials } from '../lib/auth';
import { parseHostRule } from '../lib/credential-binding';
import type { ConnectorDefinition, ConnectorLogger } from '../lib/definitions';
import { authFor, bindCredentials, executeAction, findAction } from '../lib/execute-action';
import { FencedHttpClient, type Resolver } from '../lib/http-client';

export interface RunActionOptions {
  input: unknown;
  credentials?: Credentials;
  /** The connection's own allowed hosts (its `allowedHosts` field), e.g. `http://127.0.0.1:4010` for a local fake server. */
  allowedHosts?: string[];
  /** Addresses the fence lets through; loopback by default, so a local fake server is reachable. */
  allow?: string[];
  resolver?: Resolver;
  timeoutMs?: number;
  idempotencyKey?: string;
  logger?: ConnectorLogger;
}

const quiet: ConnectorLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** Runs one action of a connector the way the connectors service does, against local servers. */
export async function runAction(connector: ConnectorDefinition, actionKey: string, options: RunActionOptions): Promise<unknown> {
  const action = findAction(connector, actionKey);
  if (!action) throw new Error(`${connector.key} has no action ${actionKey}`);
  const fence = new Fence({ policy: new AddressPolicy(options.allow ?? ['127.0.0.1', '::1']), resolver: options.resolver });
  const http = new FencedHttpClient({ fence, timeoutMs: options.timeoutMs ?? 5000 });
  try {
    return await executeAction(connector, action, {
      input: options.input,
      credentials: options.credentials,
      allowedHosts: (options.allowedHosts ?? []).map(parseHostRule),
      http,
      tcp: fence,
      logger: options.logger ?? quiet,
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      idempotencyKey: options.idempotencyKey ?? 'test-job:step:1',
    });
  } finally {
    await http.close();
  }
}

/** Runs a connector's connection test (`test` hook) the way the connectors service does, against local servers. */
export async function runConnectionTest(connector: ConnectorDefinition, options: Omit<RunActionOptions, 'input' | 'idempotencyKey' | 'logger'>): Promise<void> {
  if (!connector.test) throw new Error(`${connector.key} has no connection test`);
  const fence = new Fence({ policy: new AddressPolicy(options.allow ?? ['127.0.0.1', '::1']), resolver: options.resolver });
  const http = new FencedHttpClient({ fence, timeoutMs: options.timeoutMs ?? 5000 });
  const credentials = options.credentials ?? { kind: 'none' };
  try {
    await connector.test({
      credentials,
      auth: authFor(connector, credentials),
      http: bindCredentials(http, connector, credentials, (options.allowedHosts ?? []).map(parseHostRule)),
      tcp: fence,
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
  } finally {
    await http.close();
  }
}
