import { TRIGGER_KINDS, TriggerReceived, type DeadLetterSource, type TriggerEventPayload, type TriggerKind } from '@junction/executor/contracts';
import type { DeadLetterRow } from '@junction/executor/data-access';
import { InvalidMessageError, validatePayload } from '@junction/platform/ports';
import { RecordPolled, TickFired, type RecordPolledPayload, type TickFiredPayload } from '@junction/scheduler/contracts';

/** A schedule recipe's tick as a trigger event: `trigger` is `{ scheduledAt, firedAt }`, deduped by the tick's key. */
export function tickEvent(tick: TickFiredPayload): TriggerEventPayload {
  return {
    workspaceId: tick.workspaceId,
    recipeId: tick.recipeId,
    kind: 'schedule',
    dedupeKey: tick.dedupeKey,
    dedupeSource: 'schedule',
    receivedAt: tick.firedAt,
    data: { scheduledAt: tick.scheduledAt, firedAt: tick.firedAt },
  };
}

/** A poll recipe's new record as a trigger event: `trigger` is the record, deduped by the connector's record key. */
export function recordEvent(record: RecordPolledPayload): TriggerEventPayload {
  return {
    workspaceId: record.workspaceId,
    recipeId: record.recipeId,
    kind: 'poll',
    dedupeKey: record.dedupeKey,
    dedupeSource: 'poll',
    receivedAt: record.polledAt,
    data: record.data,
  };
}

/** Which consumer a subject belongs to, for the dead letter's `source`. */
export function sourceOf(subject: string): DeadLetterSource {
  if (subject === TickFired.subject) return 'schedule';
  if (subject === RecordPolled.subject) return 'poll';
  return 'trigger';
}

/** The workspace and recipe a dead message names: its body's (when they are short strings), else its headers' workspace. */
export function namedBy(body: unknown, headerWorkspace: string | undefined): { workspaceId?: string; recipeId?: string } {
  const fields = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const id = (value: unknown) => (typeof value === 'string' && value.length > 0 && value.length <= 64 ? value : undefined);
  return { workspaceId: id(fields['workspaceId']) ?? headerWorkspace, recipeId: id(fields['recipeId']) };
}

export type RedriveEvent = { event: TriggerEventPayload; salvaged: boolean } | { invalid: string };

/**
 * The trigger event a dead letter redrives: its body read by its subject's contract, as the
 * intake would have; the same dedupe key, so an event that made its job meanwhile makes none.
 * A trigger body still invalid is salvaged from what a job needs — its recipe (the letter's own)
 * and `data` — with the letter's id as dedupe key (one job per letter) and the letter's time as
 * `receivedAt`: the envelope a producer got wrong does not hold the event's data hostage.
 */
export function redriveEvent(letter: DeadLetterRow): RedriveEvent {
  try {
    if (letter.subject === TickFired.subject) return { event: tickEvent(validatePayload(TickFired.payload, letter.event, 'tick')), salvaged: false };
    if (letter.subject === RecordPolled.subject) return { event: recordEvent(validatePayload(RecordPolled.payload, letter.event, 'record')), salvaged: false };
    return { event: validatePayload(TriggerReceived.payload, letter.event, 'trigger event'), salvaged: false };
  } catch (error) {
    if (!(error instanceof InvalidMessageError)) throw error;
    const body = letter.event;
    if (letter.subject !== TriggerReceived.subject || !letter.recipeId || body === null || typeof body !== 'object' || Array.isArray(body)) {
      return { invalid: error.message };
    }
    const kind = (body as { kind?: unknown }).kind;
    return {
      event: {
        workspaceId: letter.workspaceId,
        recipeId: letter.recipeId,
        kind: TRIGGER_KINDS.includes(kind as TriggerKind) ? (kind as TriggerKind) : 'api',
        dedupeKey: `dead-letter:${letter.id}`,
        receivedAt: new Date(letter.createdAt).toISOString(),
        data: (body as { data?: unknown }).data ?? null,
      },
      salvaged: true,
    };
  }
}
