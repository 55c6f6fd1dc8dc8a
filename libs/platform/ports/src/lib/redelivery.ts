import { isServerUnavailable } from './errors';
import type { DeliveryOutcome } from './ports';
import { InvalidMessageError } from './validation';

/** Exponential backoff with full jitter for a message whose handler threw, ms. */
export function redeliveryDelayMs(deliveryCount: number, baseMs = 500, capMs = 30_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, deliveryCount - 1));
  return Math.floor(Math.random() * ceiling);
}

export interface FailedDelivery {
  outcome: DeliveryOutcome;
  /** What the adapter logs (with the error, subject and delivery count), if anything. */
  log?: { level: 'warn' | 'error'; message: string };
}

/**
 * What every `DurableQueue` adapter does with a message whose handler threw, so the adapters
 * cannot drift: a server away → soon again; an invalid payload → dropped; the last delivery →
 * dropped and logged as an error (the dead letter); otherwise redelivered with backoff.
 */
export function failedDeliveryOutcome(error: unknown, deliveryCount: number, maxDeliver: number): FailedDelivery {
  // still away after the adapter's own hold (or the consumer is closing): redelivered soon, without a line per message
  if (isServerUnavailable(error)) return { outcome: { action: 'retry', delayMs: redeliveryDelayMs(deliveryCount, 500, 5_000) } };
  if (error instanceof InvalidMessageError || error instanceof SyntaxError) return { outcome: { action: 'drop', reason: error.message } };
  if (deliveryCount >= maxDeliver) {
    return { outcome: { action: 'drop', reason: 'max deliveries reached' }, log: { level: 'error', message: 'durable message failed on its last delivery' } };
  }
  return { outcome: { action: 'retry', delayMs: redeliveryDelayMs(deliveryCount) }, log: { level: 'warn', message: 'durable message failed; will be redelivered' } };
}
