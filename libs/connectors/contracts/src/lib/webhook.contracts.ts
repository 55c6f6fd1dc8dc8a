import { IsBase64, IsInt, IsObject, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { defineRpc } from '@junction/platform/ports';
import { CONNECTOR_KEY_RE } from './catalog.contracts';

/** Checks an inbound delivery against a connector trigger's signature scheme. */
export class VerifyWebhookRequest {
  @IsString() @MaxLength(64)
  workspaceId: string;

  @Matches(CONNECTOR_KEY_RE)
  connector: string;

  @Matches(/^[a-z][a-z0-9_]{0,63}$/)
  trigger: string;

  /** The connection holding the signing secret (field `signingSecret`, `webhookSecret` or `secret`). */
  @IsOptional() @IsString() @MaxLength(64)
  connectionId?: string;

  @IsObject()
  config: Record<string, unknown>;

  /** Lower-case header names. */
  @IsObject()
  headers: Record<string, string>;

  /** The raw body exactly as received, base64. */
  @IsBase64() @MaxLength(16 * 1024 * 1024)
  rawBody: string;

  /** When the gateway received it, epoch ms (replay windows are measured from here). */
  @IsInt() @Min(0)
  receivedAtMs: number;
}

export class WebhookVerdict {
  /** False with a reason when the signature, timestamp or event filter refuses the delivery. */
  @IsOptional() @IsString() @MaxLength(500)
  refused?: string;

  /** The provider's delivery id, when the trigger knows where it is. */
  @IsOptional() @IsString() @MaxLength(512)
  dedupeKey?: string;
}

/** `connectors.verify-webhook.v1`: the secret never leaves the connectors service. */
export const VerifyWebhook = defineRpc('connectors.verify-webhook.v1', VerifyWebhookRequest, WebhookVerdict, { timeoutMs: 3000 });
