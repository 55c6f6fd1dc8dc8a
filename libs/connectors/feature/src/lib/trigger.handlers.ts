import { Injectable } from '@nestjs/common';
import {
  TriggerLifecycle,
  VerifyWebhook,
  type TriggerLifecycleRequest,
  type TriggerLifecycleResult,
  type VerifyWebhookRequest,
  type WebhookVerdict,
} from '@junction/connectors/contracts';
import { ConnectorsPoll, type PollRequest, type PollResponse } from '@junction/scheduler/contracts';
import { ConnectorError, bindCredentials, validateAgainst, type PollingTriggerDefinition, type WebhookTriggerDefinition } from '@junction/connector-sdk';
import { OnRequest } from '@junction/platform/messaging';
import { RemoteError } from '@junction/platform/ports';
import { ConnectorRegistry } from './connector-registry';
import { CredentialSource, allowedHostsOf, secretFormsOf, toCredentials } from './credential-source';
import { scrubSecrets } from './scrub';
import type { WorkspaceHttp } from './host-breakers';

/** Field names a connection may use for a webhook signing secret, in order of preference. */
const SECRET_FIELDS = ['signingSecret', 'webhookSecret', 'secret'] as const;

/** The connectors service's side of triggers: verifying webhook deliveries and running polls. */
@Injectable()
export class TriggerHandlers {
  constructor(
    private readonly registry: ConnectorRegistry,
    private readonly credentials: CredentialSource,
    private readonly http: WorkspaceHttp,
  ) {}

  @OnRequest(VerifyWebhook)
  async verify(req: VerifyWebhookRequest): Promise<WebhookVerdict> {
    const trigger = this.trigger(req.connector, req.trigger, 'webhook') as WebhookTriggerDefinition;
    const config = this.config(trigger.config, req.config);
    const delivery = { rawBody: Buffer.from(req.rawBody, 'base64'), headers: req.headers };
    if (trigger.verify) {
      if (!req.connectionId) return { refused: 'the trigger verifies signatures but the recipe names no connection with the signing secret' };
      let fields: Record<string, string>;
      try {
        fields = await this.credentials.fields(req.workspaceId, req.connectionId, 'webhook-ingress', req.connector);
      } catch (error) {
        // a connection that is missing or belongs to another connector is the recipe's mistake: the sender is refused, not answered 5xx
        if (error instanceof ConnectorError && error.kind === 'fatal') return { refused: error.message };
        // the vault (auth, or NATS between us) is away: the sender gets 503 + Retry-After and sends again, not a 502
        if (error instanceof ConnectorError && error.kind === 'retryable') throw new RemoteError('unavailable', 'the credential vault is unavailable; try again');
        throw error;
      }
      const secret = SECRET_FIELDS.map((f) => fields[f]).find((v) => typeof v === 'string' && v.length > 0);
      if (!secret) return { refused: `connection ${req.connectionId} has no signing secret (${SECRET_FIELDS.join(', ')})` };
      const verdict = trigger.verify(delivery, { config: config as never, secret, nowMs: req.receivedAtMs });
      if (!verdict.ok) return { refused: verdict.reason };
    }
    // a trigger's dedupeKey is, by its contract, covered by the signature it verified
    const dedupeKey = trigger.dedupeKey?.(delivery, config as never);
    const signed = trigger.verify !== undefined && signatureChecked(req.connector, config);
    return { ...(dedupeKey ? { dedupeKey: dedupeKey.slice(0, 512) } : {}), ...(signed ? { signed } : {}) };
  }

  @OnRequest(TriggerLifecycle)
  async lifecycle(req: TriggerLifecycleRequest): Promise<TriggerLifecycleResult> {
    const trigger = this.trigger(req.connector, req.trigger, 'webhook') as WebhookTriggerDefinition;
    const config = this.config(trigger.config, req.config) as never;
    const hook = req.action === 'enable' ? trigger.onEnable : trigger.onDisable;
    if (!hook) return {};
    const fields = req.connectionId ? await this.credentials.fields(req.workspaceId, req.connectionId, 'trigger-lifecycle', req.connector) : {};
    const credentials = toCredentials(fields);
    const http = bindCredentials(this.http.forWorkspace(req.workspaceId), this.definition(req.connector), credentials, allowedHostsOf(fields), `connection ${req.connectionId}`);
    const signal = AbortSignal.timeout(25_000);
    try {
      if (req.action === 'enable') {
        if (!req.webhookUrl) throw new RemoteError('invalid_request', 'enable needs the webhookUrl');
        const signingSecret = SECRET_FIELDS.map((f) => fields[f]).find((v) => typeof v === 'string' && v.length > 0);
        return (await trigger.onEnable?.({ config, credentials, http, webhookUrl: req.webhookUrl, signingSecret, signal })) ?? {};
      }
      await trigger.onDisable?.({ config, credentials, http, externalId: req.externalId, signal });
      return {};
    } catch (error) {
      if (error instanceof ConnectorError)
        throw new RemoteError(error.kind === 'fatal' || error.kind === 'auth' ? 'invalid_request' : 'unavailable', scrubbed(error.message, fields));
      throw error;
    }
  }

  @OnRequest(ConnectorsPoll)
  async poll(req: PollRequest): Promise<PollResponse> {
    const trigger = this.trigger(req.connectorKey, req.trigger, 'polling') as PollingTriggerDefinition;
    const config = this.config(trigger.config, req.input ?? {});
    const fields = req.connectionId ? await this.credentials.fields(req.workspaceId, req.connectionId, 'poll', req.connectorKey) : undefined;
    const credentials = fields ? toCredentials(fields) : { kind: 'none' as const };
    const http = bindCredentials(
      this.http.forWorkspace(req.workspaceId),
      this.definition(req.connectorKey),
      credentials,
      fields ? allowedHostsOf(fields) : [],
      `connection ${req.connectionId}`,
    );
    try {
      const page = await trigger.poll({ config: config as never, credentials, http, cursor: req.cursor, signal: AbortSignal.timeout(25_000) });
      const cursor = page.cursor;
      return {
        records: page.records.map((r) => ({ dedupeKey: r.dedupeKey, data: (r.data ?? {}) as Record<string, unknown> })),
        nextCursor: cursor && typeof cursor === 'object' ? (cursor as Record<string, unknown>) : cursor === null || cursor === undefined ? null : { value: cursor },
        hasMore: page.hasMore ?? false,
      };
    } catch (error) {
      // the scheduler backs off and keeps its cursor on any failure
      if (error instanceof ConnectorError)
        throw new RemoteError(error.kind === 'fatal' || error.kind === 'auth' ? 'invalid_request' : 'unavailable', scrubbed(error.message, fields));
      throw error;
    }
  }

  private definition(connector: string) {
    const found = this.registry.definition(connector);
    if (!found) throw new RemoteError('not_found', `connector ${connector} does not exist`);
    return found;
  }

  private trigger(connector: string, key: string, kind: 'webhook' | 'polling') {
    const found = this.registry.definition(connector)?.triggers.find((t) => t.key === key);
    if (!found || found.kind !== kind) throw new RemoteError('not_found', `${connector} has no ${kind} trigger "${key}"`);
    return found;
  }

  private config(schema: object, given: Record<string, unknown>): Record<string, unknown> {
    const copy = structuredClone(given);
    const errors = validateAgainst(schema, copy);
    if (errors.length) throw new RemoteError('invalid_request', 'the trigger configuration is invalid', errors);
    return copy;
  }
}

function scrubbed(message: string, fields: Record<string, string> | undefined): string {
  return String(scrubSecrets(message, fields ? secretFormsOf(fields) : []));
}

/** The generic webhook trigger verifies only when its configuration names a signature; every other verify always checks one. */
function signatureChecked(connector: string, config: Record<string, unknown>): boolean {
  return connector !== 'webhook' || config.signature !== undefined;
}
