import { isServerUnavailable } from './errors';
import type { DeadMessage, DeadReason, DeliveryOutcome } from './ports';
import { InvalidMessageError } from './validation';

/** Exponential backoff with full jitter for a message whose handler threw, ms. */
export function redeliveryDelayMs(deliveryCount: number, baseMs = 500, capMs = 30_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, deliveryCount - 1));
  return Math.floor(Math.random() * ceiling);
}

// a dead letter's detail is an error message, not a body: longer ones are cut
const DETAIL_MAX_CHARS = 2000;

export interface FailedDelivery {
  outcome: DeliveryOutcome;
  /** What the adapter logs (with the error, subject and delivery count), if anything. */
  log?: { level: 'warn' | 'error'; message: string };
  /** Set when the message is dropped for good: what its consumer's `deadLetter` is told. */
  dead?: { reason: DeadReason; detail: string };
}

/**
 * What every `DurableQueue` adapter does with a message whose handler threw, so the adapters
 * cannot drift: a server away → soon again; an invalid payload → dropped; the last delivery →
 * dropped and logged as an error (the dead letter); otherwise redelivered with backoff.
 */
export function failedDeliveryOutcome(error: unknown, deliveryCount: number, maxDeliver: number): FailedDelivery {
  // still away after the adapter's own hold (or the consumer is closing): redelivered soon, without a line per message
  if (isServerUnavailable(error)) return { outcome: { action: 'retry', delayMs: redeliveryDelayMs(deliveryCount, 500, 5_000) } };
  if (error instanceof InvalidMessageError || error instanceof SyntaxError) {
    // a JSON parser's message quotes the body (which may hold a secret): only that it is not JSON is kept
    const detail = error instanceof SyntaxError ? 'the body is not JSON' : error.message;
    return { outcome: { action: 'drop', reason: error.message }, dead: { reason: 'invalid', detail: cut(detail) } };
  }
  if (deliveryCount >= maxDeliver) {
    return {
      outcome: { action: 'drop', reason: 'max deliveries reached' },
      log: { level: 'error', message: 'durable message failed on its last delivery' },
      dead: { reason: 'max_deliveries', detail: cut(error instanceof Error ? error.message : String(error)) },
    };
  }
  return { outcome: { action: 'retry', delayMs: redeliveryDelayMs(deliveryCount) }, log: { level: 'warn', message: 'durable message failed; will be redelivered' } };
}

/** A dead message's body as kept: the JSON value of its text, or the text itself when it is not JSON. */
export function deadBody(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Hands a message being dropped to its consumer's `deadLetter`. Kept (or no keeper): dropped.
 * Keeping it failed: redelivered while deliveries remain, so it is not lost to a database
 * hiccup; on the last delivery dropped anyway, with the error for the adapter to log.
 */
export async function keepDeadLetter(
  deadLetter: ((message: DeadMessage) => Promise<void>) | undefined,
  message: DeadMessage,
  maxDeliver: number,
): Promise<{ outcome: DeliveryOutcome; error?: unknown }> {
  const drop: DeliveryOutcome = { action: 'drop', reason: message.detail };
  if (!deadLetter) return { outcome: drop };
  try {
    await deadLetter(message);
    return { outcome: drop };
  } catch (error) {
    if (message.deliveryCount < maxDeliver) return { outcome: { action: 'retry', delayMs: redeliveryDelayMs(message.deliveryCount) }, error };
    return { outcome: drop, error };
  }
}

function cut(text: string): string {
  return text.length > DETAIL_MAX_CHARS ? `${text.slice(0, DETAIL_MAX_CHARS)}…` : text;
}
