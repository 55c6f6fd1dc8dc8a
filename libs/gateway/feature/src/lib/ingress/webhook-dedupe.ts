import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import { DEFAULT_BODY_HASH_WINDOW, dedupeKeyExpression, dedupeWindowMs, type WebhookDedupe } from '@junction/executor/contracts';

/** The dedupe key of one event and how long it absorbs repeats. */
export interface DedupeChoice {
  key: string;
  /** Where the key came from, shown in the job view. */
  source: 'provider' | 'header' | 'idempotency-key' | 'body-hash' | 'signed-body-hash' | 'signed-payload' | 'none';
  /** The recipe's `{{ }}` key: the executor evaluates it and dedupes by its value for ever; `key` is then the fallback. */
  expression?: string;
  /** `lasting`, `off`, or the recipe's duration (`5m`). */
  window: string;
  /** Set for a windowed key only. */
  windowMs?: number;
}

// longer header values are hashed: a dedupe key is at most 512 characters on the bus
const HEADER_KEY_MAX = 200;

const sha256 = (...parts: (string | Buffer)[]): string => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return `sha256:${hash.digest('hex')}`;
};

/**
 * Which key dedupes a webhook delivery. An explicit key (the provider's delivery id, or the
 * configured header or `{{ }}` expression of an unsigned hook) names one event and dedupes for ever. A body hash names
 * only a content, which a sender may legitimately send again (a heartbeat, "stock is now 5"), so
 * it absorbs retries within a short window, except for a signed hook: there the hash is what stops
 * a captured delivery from being replayed, so it lasts. A signed delivery with a timestamp hashes
 * the signed payload (timestamp and body): a fresh signature is a new event, a replay is not.
 */
export function webhookDedupe(
  trigger: Record<string, unknown>,
  delivery: { rawBody: Buffer; headers: Record<string, string> },
  verdict: { providerKey?: string; signed: boolean },
): DedupeChoice {
  if (verdict.providerKey) return { key: verdict.providerKey, source: 'provider', window: 'lasting' };
  const config = (typeof trigger['dedupe'] === 'object' && trigger['dedupe'] !== null ? trigger['dedupe'] : {}) as WebhookDedupe;
  const headerName = typeof config.key === 'string' && config.key.startsWith('header:') ? config.key.slice('header:'.length) : trigger['dedupeHeader'];
  // a signed hook's delivery-id header is not covered by its signature: trusting it would let a captured delivery be replayed under a fresh id
  const header = !verdict.signed && typeof headerName === 'string' ? delivery.headers[headerName.toLowerCase()] : undefined;
  if (header) return { key: header.length > HEADER_KEY_MAX ? sha256(header) : header, source: 'header', window: 'lasting' };
  if (verdict.signed) {
    const timestampHeader = (trigger['signature'] as { timestampHeader?: unknown } | undefined)?.timestampHeader;
    const timestamp = typeof timestampHeader === 'string' ? delivery.headers[timestampHeader.toLowerCase()] : undefined;
    if (timestamp) return { key: sha256(`${timestamp}.`, delivery.rawBody), source: 'signed-payload', window: 'lasting' };
    return { key: sha256(delivery.rawBody), source: 'signed-body-hash', window: 'lasting' };
  }
  // the recipe schema admits only valid windows; anything else (a definition stored before them) gets the default
  const window = typeof config.window === 'string' && dedupeWindowMs(config.window) !== undefined ? config.window : DEFAULT_BODY_HASH_WINDOW;
  const ms = dedupeWindowMs(window) as number;
  // an expression over the event is the executor's to evaluate (it holds the guarded engine); the body hash is what applies when it gives no value
  const expression = dedupeKeyExpression(config.key);
  const fallback: DedupeChoice =
    ms === 0 ? { key: `delivery:${ulid()}`, source: 'none', window: 'off' } : { key: sha256(delivery.rawBody), source: 'body-hash', window, windowMs: ms };
  return expression ? { ...fallback, expression } : fallback;
}

/** An API run: its Idempotency-Key for ever, or no dedupe. */
export function apiRunDedupe(idempotencyKey: string | undefined): DedupeChoice {
  return idempotencyKey ? { key: `idem:${idempotencyKey}`, source: 'idempotency-key', window: 'lasting' } : { key: `run:${ulid()}`, source: 'none', window: 'off' };
}

/**
 * The stream's `Nats-Msg-Id`. JetStream drops a repeated id within its own duplicate window
 * (minutes): a windowed key carries its window's bucket (the executor's `dedupe_bucket`), so the
 * same body sent after the recipe's window is published again.
 */
export function streamMsgId(recipeId: string, choice: DedupeChoice, receivedAtMs: number): string {
  return choice.windowMs ? `${recipeId}:${choice.key}@${Math.floor(receivedAtMs / choice.windowMs) + 1}` : `${recipeId}:${choice.key}`;
}
