import { createHash } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { newJobId } from './job-ids';
import { TRIGGER_INTAKE_DURABLE, TriggerReceived, type TriggerEventPayload } from '@junction/executor/contracts';
import { JobRepository, type EventIntake, type NewEvent } from '@junction/executor/data-access';
import { clockBindings, compileExpression, evaluateExpression, ExpressionError, type CompiledExpression } from '@junction/executor/domain';
import { OnMessage } from '@junction/platform/messaging';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { RecordPolled, TickFired, type RecordPolledPayload, type TickFiredPayload } from '@junction/scheduler/contracts';
import type { DeliveryOutcome } from '@junction/platform/ports';
import { DEFAULT_CONCURRENCY } from './child-jobs';
import { JobSignals } from './job-signals';
import { ExpressionWorkers } from './expression-workers';

// redeliveries back off up to 30 s each: this many outlast a Postgres outage of several hours
const MAX_DELIVER = 1000;

// events coalesced into one statement at most; the trigger consumer has 32 in flight
const MAX_BATCH = 64;

// distinct dedupe expressions kept compiled (one per hook using one)
const MAX_COMPILED_KEYS = 1000;

/**
 * Trigger events → queued jobs. The message is acked only once the job row is committed; a
 * redelivered or republished event hits the (recipe, dedupe key) constraint and makes nothing.
 * Jobs are run by the dispatcher, not here, so a slow recipe never holds a stream message.
 * Events that arrive together (one read of the consumer's socket, before the next turn of the
 * event loop) are stored by one statement (`IntakeBatcher`); each message is still answered on
 * its own, once the statement holding it committed.
 */
@Injectable()
export class TriggerIntake {
  private readonly batcher: IntakeBatcher;
  // a hook's dedupe expression is compiled once, not per event
  private readonly compiledKeys = new Map<string, CompiledExpression>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly signals: JobSignals,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Optional() private readonly workers?: ExpressionWorkers,
  ) {
    this.batcher = new IntakeBatcher(dataSource, logger);
  }

  @OnMessage(TriggerReceived, { durable: TRIGGER_INTAKE_DURABLE, concurrency: 32, ackWaitMs: 30_000, maxDeliver: MAX_DELIVER })
  onTrigger(event: TriggerEventPayload): Promise<DeliveryOutcome | void> {
    return this.accept(event);
  }

  /** A schedule recipe's tick: `trigger` is `{ scheduledAt, firedAt }`, deduped by the tick's key. */
  @OnMessage(TickFired, { durable: 'executor-tick-intake', concurrency: 8, ackWaitMs: 30_000, maxDeliver: MAX_DELIVER })
  onTick(tick: TickFiredPayload): Promise<DeliveryOutcome | void> {
    return this.accept({
      workspaceId: tick.workspaceId,
      recipeId: tick.recipeId,
      kind: 'schedule',
      dedupeKey: tick.dedupeKey,
      dedupeSource: 'schedule',
      receivedAt: tick.firedAt,
      data: { scheduledAt: tick.scheduledAt, firedAt: tick.firedAt },
    });
  }

  /** A poll recipe's new record: `trigger` is the record, deduped by the connector's record key. */
  @OnMessage(RecordPolled, { durable: 'executor-poll-intake', concurrency: 8, ackWaitMs: 30_000, maxDeliver: MAX_DELIVER })
  onRecord(record: RecordPolledPayload): Promise<DeliveryOutcome | void> {
    return this.accept({
      workspaceId: record.workspaceId,
      recipeId: record.recipeId,
      kind: 'poll',
      dedupeKey: record.dedupeKey,
      dedupeSource: 'poll',
      receivedAt: record.polledAt,
      data: record.data,
    });
  }

  private async accept(event: TriggerEventPayload): Promise<DeliveryOutcome | void> {
    const explicit = event.dedupeExpression ? await this.expressionKey(event) : undefined;
    // one statement per batch: the recipe's active version, its concurrency and the deduplicated insert
    const intake = await this.batcher.add({
      id: newJobId(),
      workspaceId: event.workspaceId,
      recipeId: event.recipeId,
      ...(explicit
        ? { dedupeKey: explicit, dedupe: { key: 'expression', window: 'lasting' } }
        : {
            dedupeKey: event.dedupeKey,
            ...(event.dedupeWindowMs ? { dedupeWindowMs: event.dedupeWindowMs } : {}),
            ...(event.dedupeSource ? { dedupe: { key: event.dedupeSource, window: event.dedupeWindow ?? 'lasting' } } : {}),
          }),
      triggerKind: event.kind,
      defaultConcurrency: DEFAULT_CONCURRENCY,
      trigger: event.data ?? null,
      receivedAt: new Date(event.receivedAt),
    });
    if (intake.outcome === 'no_recipe') return { action: 'drop', reason: `recipe ${event.recipeId} of workspace ${event.workspaceId} does not exist (deleted?)` };
    if (intake.outcome === 'no_version') throw new Error(`version ${intake.version} of recipe ${event.recipeId} is missing`);
    if (intake.outcome === 'created') this.signals.jobQueued();
  }

  /**
   * The value of the recipe's `{{ }}` dedupe key over the event, as a key (`expr:<value>`), or
   * undefined when it gives no scalar value or fails on this event's data: the gateway's key (a
   * body hash and its window) applies then. A pool that cannot take the evaluation now (full, or
   * shutting down) is not this event's fault: the message is redelivered, never keyed differently.
   */
  private async expressionKey(event: TriggerEventPayload): Promise<string | undefined> {
    const source = event.dedupeExpression as string;
    let value: unknown;
    try {
      const compiled = this.compiledKeys.get(source) ?? compileExpression(source, { stepId: 'trigger', path: '/trigger/dedupe/key' });
      if (!this.compiledKeys.has(source)) {
        if (this.compiledKeys.size >= MAX_COMPILED_KEYS) this.compiledKeys.delete(this.compiledKeys.keys().next().value as string);
        this.compiledKeys.set(source, compiled);
      }
      const receivedAt = Date.parse(event.receivedAt);
      value = await evaluateExpression(compiled, { trigger: event.data ?? null, job: { workspaceId: event.workspaceId } }, clockBindings(receivedAt, this.workers?.pool));
    } catch (error) {
      if (!(error instanceof ExpressionError) || (error.code === undefined && /shutting down|wait for a worker/.test(error.reason))) throw error;
      this.logger.warn({ workspaceId: event.workspaceId, recipeId: event.recipeId, reason: error.reason }, 'dedupe key expression failed on an event; its body hash applies');
      return undefined;
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
    const text = String(value);
    if (text.length === 0) return undefined;
    return text.length > 200 ? `expr:sha256:${createHash('sha256').update(text).digest('hex')}` : `expr:${text}`;
  }
}

type Waiting = { event: NewEvent; resolve: (intake: EventIntake) => void; reject: (error: unknown) => void };

/**
 * Coalesces the events handed to it before the event loop's next turn (or `maxBatch` of them)
 * into one `insertForEvents` statement, and settles each event's promise with its own outcome
 * once that statement committed, or with its error: a failed statement stored nothing, so no
 * event of it is acked. An error the data of one event can cause (a Postgres data exception or
 * program limit: a string jsonb refuses, a value too large) is retried one event per statement,
 * so one bad event fails alone instead of holding back the events that arrived with it.
 */
export class IntakeBatcher {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: Logger,
    private readonly maxBatch = MAX_BATCH,
  ) {}

  add(event: NewEvent): Promise<EventIntake> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      if (this.waiting.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.waiting;
    if (batch.length === 0) return;
    this.waiting = [];
    void this.store(batch);
  }

  private async store(batch: Waiting[]): Promise<void> {
    const jobs = new JobRepository(this.dataSource.manager);
    try {
      const outcomes = await jobs.insertForEvents(batch.map((w) => w.event));
      batch.forEach((w, i) => w.resolve(outcomes[i]));
    } catch (error) {
      if (batch.length === 1 || !causedByData(error)) {
        for (const w of batch) w.reject(error);
        return;
      }
      this.logger.warn({ err: error, events: batch.length }, 'a batch of trigger events failed on its data; storing them one by one');
      await Promise.all(
        batch.map((w) =>
          jobs.insertForEvents([w.event]).then(
            ([outcome]) => w.resolve(outcome),
            (e: unknown) => w.reject(e),
          ),
        ),
      );
    }
  }
}

/** SQLSTATE class 22 (data exception) or 54 (program limit exceeded): the rows, not the server, are at fault. */
function causedByData(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|54)[0-9A-Z]{3}$/.test(code);
}
