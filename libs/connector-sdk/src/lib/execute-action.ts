import type { AuthSpec, Credentials } from './auth';
import { CredentialBoundHttpClient, parseHostRule, type HostRule } from './credential-binding';
import type { ActionDefinition, ConnectorDefinition, ConnectorLogger } from './definitions';
import { FatalError } from './errors';
import { AddressPolicy, Fence } from './address-policy';
import type { HttpClient } from './http-client';
import { validateAgainst } from './schema-validation';
import type { TcpConnector } from './tcp';

export interface ExecuteOptions {
  input: unknown;
  credentials?: Credentials;
  /** Hosts the connection itself declares for its credentials, besides the connector's own. */
  allowedHosts?: HostRule[];
  /** Names the connection in refusals (`connection conn_…`). */
  connectionLabel?: string;
  http: HttpClient;
  /** Sockets for drivers; without one, only public addresses are reachable. */
  tcp?: TcpConnector;
  logger: ConnectorLogger;
  signal: AbortSignal;
  idempotencyKey: string;
}

export function findAction(connector: ConnectorDefinition, key: string): ActionDefinition | undefined {
  return connector.actions.find((a) => a.key === key);
}

/** The auth spec matching the credentials' kind (a connector may accept several). */
export function authFor(connector: ConnectorDefinition, credentials: Credentials): AuthSpec {
  return connector.auth.find((a) => a.kind === credentials.kind) ?? connector.auth[0];
}

/**
 * Runs one action: input checked against its schema (defaults applied) before any call goes
 * out, so a bad input is a FatalError without side effects.
 */
export async function executeAction(connector: ConnectorDefinition, action: ActionDefinition, options: ExecuteOptions): Promise<unknown> {
  const input = structuredClone(options.input ?? {});
  const errors = validateAgainst(action.input, input);
  if (errors.length > 0) {
    throw new FatalError(`invalid input for ${connector.key}.${action.key}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
  }
  const credentials = options.credentials ?? { kind: 'none' };
  return action.run({
    input: input as never,
    credentials,
    auth: authFor(connector, credentials),
    http: bindCredentials(options.http, connector, credentials, options.allowedHosts, options.connectionLabel),
    tcp: options.tcp ?? publicOnly(),
    logger: options.logger,
    signal: options.signal,
    idempotencyKey: options.idempotencyKey,
  });
}

let publicOnlyFence: Fence | undefined;
function publicOnly(): Fence {
  return (publicOnlyFence ??= new Fence({ policy: new AddressPolicy([]) }));
}

/**
 * The HTTP client an action or trigger gets when it runs with credentials: bound to the
 * connector's hosts plus the connection's own, so no input can send them elsewhere.
 */
export function bindCredentials(http: HttpClient, connector: ConnectorDefinition, credentials: Credentials, allowedHosts: HostRule[] = [], label?: string): HttpClient {
  if (credentials.kind === 'none') return http;
  const rules = [...(connector.hosts ?? []).map(parseHostRule), ...allowedHosts];
  return new CredentialBoundHttpClient(http, credentials, rules, label);
}
