import type { Static, TSchema } from '@sinclair/typebox';
import type { AuthSpec, Credentials } from './auth';
import { parseHostRule } from './credential-binding';
import type { HttpClient } from './http-client';
import type { TcpConnector } from './tcp';

export interface ConnectorLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What an action's `run` receives. Everything it may touch comes through here. */
export interface ActionContext<I> {
  input: I;
  credentials: Credentials;
  /** The auth scheme the connection uses (one of the connector's `auth`). */
  auth: AuthSpec;
  http: HttpClient;
  /** For drivers that need a socket (databases): fenced like `http`. */
  tcp: TcpConnector;
  logger: ConnectorLogger;
  /** Aborted when the step's deadline passes or the job is cancelled. */
  signal: AbortSignal;
  /** Stable across retries of one attempt group: send it as `Idempotency-Key` where the API supports it. */
  idempotencyKey: string;
}

/** See `ActionDefinition.idempotent`. */
export type Idempotency = boolean | 'key';

export interface ActionDefinition<I extends TSchema = TSchema, O extends TSchema = TSchema> {
  /** snake_case, unique within the connector. */
  key: string;
  displayName: string;
  description?: string;
  input: I;
  output: O;
  /** Dotted paths of input/output fields to redact from stored job data (`input.body.password`). */
  sensitive?: string[];
  /**
   * Whether sending this action twice is harmless, for the executor's effect ledger when a crash
   * leaves a call's outcome unknown: `true` (a read, or a write that sets the same state), `'key'`
   * (the provider honours the `idempotencyKey` it is sent with: Stripe, Standard Webhooks, HTTP
   * `Idempotency-Key`), `false` (a repeat may act twice). Undeclared counts as `false`.
   */
  idempotent?: Idempotency;
  run(ctx: ActionContext<Static<I>>): Promise<Static<O>>;
}

/** An inbound HTTP delivery as a webhook trigger sees it: raw bytes, lower-case header names. */
export interface WebhookRequest {
  rawBody: Buffer;
  headers: Record<string, string | undefined>;
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

export interface WebhookTriggerDefinition<C extends TSchema = TSchema, O extends TSchema = TSchema> {
  kind: 'webhook';
  key: string;
  displayName: string;
  description?: string;
  /** Settings of the trigger in a recipe (e.g. which header carries the signature). */
  config: C;
  output: O;
  /** Checks the delivery's signature; `secret` is the connection's signing secret. */
  verify?(req: WebhookRequest, ctx: { config: Static<C>; secret: string; nowMs: number }): VerifyResult;
  /** The provider's delivery id, the lasting dedupe key of the event. */
  dedupeKey?(req: WebhookRequest, config: Static<C>): string | undefined;
  /** Registers the hook with the provider when the recipe starts; returns its id there. */
  onEnable?(ctx: {
    config: Static<C>;
    credentials: Credentials;
    http: HttpClient;
    webhookUrl: string;
    signingSecret?: string;
    signal: AbortSignal;
  }): Promise<{ externalId?: string }>;
  onDisable?(ctx: { config: Static<C>; credentials: Credentials; http: HttpClient; externalId?: string; signal: AbortSignal }): Promise<void>;
}

export interface PolledRecord<T> {
  dedupeKey: string;
  data: T;
}

export interface PollingTriggerDefinition<C extends TSchema = TSchema, O extends TSchema = TSchema> {
  kind: 'polling';
  key: string;
  displayName: string;
  description?: string;
  config: C;
  output: O;
  /** One page of new records after `cursor`; the scheduler stores `cursor` only after publishing them. */
  poll(ctx: { config: Static<C>; credentials: Credentials; http: HttpClient; cursor: unknown; signal: AbortSignal }): Promise<{
    records: PolledRecord<Static<O>>[];
    cursor: unknown;
    hasMore?: boolean;
  }>;
}

/** A time-based trigger: declared here, fired by the scheduler service. */
export interface ScheduleTriggerDefinition<C extends TSchema = TSchema, O extends TSchema = TSchema> {
  kind: 'schedule';
  key: string;
  displayName: string;
  description?: string;
  config: C;
  output: O;
}

export type TriggerDefinition = WebhookTriggerDefinition | PollingTriggerDefinition | ScheduleTriggerDefinition;

export interface ConnectorDefinition {
  key: string;
  /** Semver; output schemas are versioned with it. */
  version: string;
  displayName: string;
  description?: string;
  auth: AuthSpec[];
  /**
   * Hosts the connector's credentials belong to (`api.stripe.com`, `*.example.com`,
   * `http://host:port` for plain http). A connection may add its own (`allowedHosts` field); a
   * request carrying credentials anywhere else fails before it is sent.
   */
  hosts?: string[];
  actions: ActionDefinition[];
  triggers: TriggerDefinition[];
  /**
   * Checks credentials against the service (`POST /v1/connections/:id/test`): resolves when they
   * work, throws a ConnectorError (AuthError for refused credentials) saying why not.
   */
  test?(ctx: { credentials: Credentials; auth: AuthSpec; http: HttpClient; tcp: TcpConnector; signal: AbortSignal }): Promise<void>;
}

const KEY_RE = /^[a-z][a-z0-9_]{0,63}$/;
const CONNECTOR_KEY_RE = /^[a-z][a-z0-9_-]{0,63}$/;

/** Declares an action; input and output types follow from the schemas. */
export function defineAction<I extends TSchema, O extends TSchema>(definition: ActionDefinition<I, O>): ActionDefinition<I, O> {
  if (!KEY_RE.test(definition.key)) throw new Error(`action key "${definition.key}" must be snake_case`);
  return definition;
}

export function defineTrigger<C extends TSchema, O extends TSchema>(definition: WebhookTriggerDefinition<C, O>): WebhookTriggerDefinition<C, O>;
export function defineTrigger<C extends TSchema, O extends TSchema>(definition: PollingTriggerDefinition<C, O>): PollingTriggerDefinition<C, O>;
export function defineTrigger<C extends TSchema, O extends TSchema>(definition: ScheduleTriggerDefinition<C, O>): ScheduleTriggerDefinition<C, O>;
export function defineTrigger(definition: TriggerDefinition): TriggerDefinition {
  if (!KEY_RE.test(definition.key)) throw new Error(`trigger key "${definition.key}" must be snake_case`);
  return definition;
}

export function defineConnector(definition: ConnectorDefinition): ConnectorDefinition {
  if (!CONNECTOR_KEY_RE.test(definition.key)) throw new Error(`connector key "${definition.key}" must be lower case`);
  if (!/^\d+\.\d+\.\d+$/.test(definition.version)) throw new Error(`connector ${definition.key}: version must be semver`);
  if (definition.auth.length === 0) throw new Error(`connector ${definition.key}: declare at least one auth kind (none is one)`);
  for (const host of definition.hosts ?? []) parseHostRule(host);
  for (const list of [definition.actions, definition.triggers]) {
    const keys = list.map((x) => x.key);
    const dup = keys.find((k, i) => keys.indexOf(k) !== i);
    if (dup) throw new Error(`connector ${definition.key}: "${dup}" is declared twice`);
  }
  return definition;
}

/** Plain JSON description of a connector for the catalog (schemas included). */
export function describeConnector(definition: ConnectorDefinition) {
  const plain = (schema: TSchema): Record<string, unknown> => JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
  const custom = definition.auth.find((a) => a.kind === 'custom');
  return {
    key: definition.key,
    version: definition.version,
    displayName: definition.displayName,
    ...(definition.description ? { description: definition.description } : {}),
    authKinds: [...new Set(definition.auth.map((a) => a.kind))],
    ...(custom ? { customCredentialsSchema: plain(custom.fields) } : {}),
    testable: definition.test !== undefined,
    actions: definition.actions.map((a) => ({
      key: a.key,
      displayName: a.displayName,
      ...(a.description ? { description: a.description } : {}),
      ...(a.sensitive?.length ? { sensitive: a.sensitive } : {}),
      idempotent: a.idempotent ?? false,
      inputSchema: plain(a.input),
      outputSchema: plain(a.output),
    })),
    triggers: definition.triggers.map((t) => ({
      key: t.key,
      displayName: t.displayName,
      ...(t.description ? { description: `${t.kind}: ${t.description}` } : { description: t.kind }),
      inputSchema: plain(t.config),
      outputSchema: plain(t.output),
    })),
  };
}
