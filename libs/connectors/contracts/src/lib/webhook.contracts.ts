import { IsBase64, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { defineRpc } from '@junction/platform/ports';
import { CONNECTOR_KEY_RE } from './catalog.contracts';

/** One trigger of a connector as a recipe configures it, for the workspace that runs it. */
export class TriggerRef {
  @IsString()
  @MaxLength(64)
  workspaceId: string;

  @Matches(CONNECTOR_KEY_RE)
  connector: string;

  @Matches(/^[a-z][a-z0-9_]{0,63}$/)
  trigger: string;

  /** The connection with the trigger's credentials and signing secret (`signingSecret`, `webhookSecret` or `secret`). */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  connectionId?: string;

  @IsObject()
  config: Record<string, unknown>;
}

/** Checks an inbound delivery against a connector trigger's signature scheme. */
export class VerifyWebhookRequest extends TriggerRef {
  /** Lower-case header names. */
  @IsObject()
  headers: Record<string, string>;

  /** The raw body exactly as received, base64. */
  @IsBase64()
  @MaxLength(16 * 1024 * 1024)
  rawBody: string;

  /** When the gateway received it, epoch ms (replay windows are measured from here). */
  @IsInt()
  @Min(0)
  receivedAtMs: number;
}

export class WebhookVerdict {
  /** False with a reason when the signature, timestamp or event filter refuses the delivery. */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  refused?: string;

  /** The provider's delivery id, when the trigger knows where it is and the signature covers it. */
  @IsOptional()
  @IsString()
  @MaxLength(512)
  dedupeKey?: string;

  /**
   * True when a signature was checked: the ingress then must not take an unsigned delivery-id
   * header as the dedupe key (a captured delivery replayed with a fresh id would run again).
   */
  @IsOptional()
  @IsBoolean()
  signed?: boolean;
}

/** `connectors.verify-webhook.v1`: the secret never leaves the connectors service. */
export const VerifyWebhook = defineRpc('connectors.verify-webhook.v1', VerifyWebhookRequest, WebhookVerdict, { timeoutMs: 3000 });

/** Registers (enable) or removes (disable) a connector webhook with its provider when a recipe starts or stops. */
export class TriggerLifecycleRequest extends TriggerRef {
  @IsIn(['enable', 'disable'])
  action: 'enable' | 'disable';

  /** Public URL of the recipe's hook (enable). */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  webhookUrl?: string;

  /** What enable answered (disable). */
  @IsOptional()
  @IsString()
  @MaxLength(256)
  externalId?: string;
}

export class TriggerLifecycleResult {
  /** The provider's id of the registered hook, to pass back on disable. */
  @IsOptional()
  @IsString()
  @MaxLength(256)
  externalId?: string;
}

/** `connectors.trigger-lifecycle.v1`: the trigger's onEnable / onDisable, with the connection's credentials. */
export const TriggerLifecycle = defineRpc('connectors.trigger-lifecycle.v1', TriggerLifecycleRequest, TriggerLifecycleResult, { timeoutMs: 30_000 });
