import { createHash } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { newJobId } from './job-ids';
import { TRIGGER_INTAKE_DURABLE, TriggerReceived, type TriggerEventPayload } from '@junction/executor/contracts';
import { JobRepository, type AsyncIntake, type EventIntake, type NewEvent } from '@junction/executor/data-access';
import { clockBindings, compileExpression, evaluateExpression, ExpressionError, type CompiledExpression } from '@junction/executor/domain';
import { OnMessage } from '@junction/platform/messaging';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { RecordPolled, TickFired, type RecordPolledPayload, type TickFiredPayload } from '@junction/scheduler/contracts';
import { isServerUnavailable, messageContext, type DeadMessage, type DeliveryMeta, type DeliveryOutcome } from '@junction/platform/ports';
import { DEFAULT_CONCURRENCY } from './child-jobs';
import { DeadLetterKeeper } from './dead-letter-keeper';
import { EXECUTOR_OPTIONS, type ExecutorOptions } from './executor.options';
import { JobSignals } from './job-signals';
import { ExpressionWorkers } from './expression-workers';
import { causedByData } from './sql-errors';
import { recordEvent, tickEvent } from './trigger-events';

// the transport's bound: redeliveries back off up to 30 s each, so this many outlast a Postgres
// outage of several hours; the executor gives an event up after `triggerMaxDeliver` (at most this)
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
 * its own, once the statement holding it committed. An event given up (invalid, or failed on its
 * last delivery) becomes a dead letter (`DeadLetterKeeper`), kept for listing and redrive.
 */
@Injectable()
export class TriggerIntake {
  private readonly batcher: IntakeBatcher;
  // a hook's dedupe expression is compiled once, not per event
  private readonly compiledKeys = new Map<string, CompiledExpression>();

  private readonly maxDeliver: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly signals: JobSignals,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly deadLetters: DeadLetterKeeper,
    @Inject(EXECUTOR_OPTIONS) options: Pick<ExecutorOptions, 'triggerMaxDeliver'> & Partial<Pick<ExecutorOptions, 'durableFlushWaitMs'>>,
    @Optional() private readonly workers?: ExpressionWorkers,
  ) {
    this.batcher = new IntakeBatcher(dataSource, logger, MAX_BATCH, signals, options.durableFlushWaitMs);
    this.maxDeliver = Math.min(options.triggerMaxDeliver, MAX_DELIVER);
  }

  @OnMessage(TriggerReceived, { durable: TRIGGER_INTAKE_DURABLE, concurrency: 32, ackWaitMs: 30_000, maxDeliver: MAX_DELIVER, deadLetter: 'keepDead' })
  onTrigger(event: TriggerEventPayload, meta: DeliveryMeta): Promise<DeliveryOutcome | void> {
    return this.untilLastDelivery(event, meta, () => this.accept(event));
  }

  /** A schedule recipe's tick. */
  @OnMessage(TickFired, { durable: 'executor-tick-intake', concurrency: 8, ackWaitMs: 30_000, maxDeliver: MAX_DELIVER, deadLetter: 'keepDead' })
  onTick(tick: TickFiredPayload, meta: DeliveryMeta): Promise<DeliveryOutcome | void> {
    return this.untilLastDelivery(tick, meta, () => this.accept(tickEvent(tick)));
  }

  /** A poll recipe's new record. */
  @OnMessage(RecordPolled, { durable: 'executor-poll-intake', concurrency: 8, ackWaitMs: 30_000, maxDeliver: MAX_DELIVER, deadLetter: 'keepDead' })
  onRecord(record: RecordPolledPayload, meta: DeliveryMeta): Promise<DeliveryOutcome | void> {
    return this.untilLastDelivery(record, meta, () => this.accept(recordEvent(record)));
  }

  /** What the queue gives up itself (an invalid body, the transport's last delivery) becomes a dead letter. */
  keepDead(message: DeadMessage): Promise<void> {
    return this.deadLetters.keep(message);
  }

  /**
   * Runs an event's intake; when it fails on the executor's last delivery (`triggerMaxDeliver`),
   * keeps the event as a dead letter with the error and drops the message. A server away is never
   * the event's fault: that failure goes back to the queue, which holds or redelivers it.
   */
  private async untilLastDelivery(body: object, meta: DeliveryMeta, run: () => Promise<DeliveryOutcome | void>): Promise<DeliveryOutcome | void> {
    try {
      return await run();
    } catch (error) {
      if (meta.deliveryCount < this.maxDeliver || isServerUnavailable(error)) throw error;
      this.logger.error({ err: error, subject: meta.subject, sequence: meta.sequence, deliveryCount: meta.deliveryCount }, 'trigger event failed on its last delivery');
      const detail = error instanceof Error ? error.message : String(error);
      await this.deadLetters.keep({ ...meta, reason: 'max_deliveries', detail, body });
      return { action: 'drop', reason: 'max deliveries reached' };
    }
  }

  private async accept(event: TriggerEventPayload): Promise<DeliveryOutcome | void> {
    // one statement per batch: the recipe's active version, its concurrency and the deduplicated insert
    const intake = await this.batcher.add(await this.newEvent(event));
    if (intake.outcome === 'no_recipe') return { action: 'drop', reason: `recipe ${event.recipeId} of workspace ${event.workspaceId} does not exist (deleted?)` };
    if (intake.outcome === 'no_version') throw new Error(`version ${intake.version} of recipe ${event.recipeId} is missing`);
  }

  /** The job row an event makes (a new id; its dedupe key: the recipe's expression's value, else the gateway's). */
  async newEvent(event: TriggerEventPayload): Promise<NewEvent> {
    const explicit = event.dedupeExpression ? await this.expressionKey(event) : undefined;
    return {
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
      ...traceOfEvent(),
    };
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

/** The job continues the trace of the message that made it (its consumer span with tracing on). */
function traceOfEvent(): { traceparent?: string } {
  const traceparent = messageContext.current()?.traceparent;
  return traceparent ? { traceparent } : {};
}

type Waiting = { event: NewEvent; resolve: (intake: EventIntake) => void; reject: (error: unknown) => void };

/**
 * Coalesces the events handed to it before the event loop's next turn (or `maxBatch` of them)
 * into one `insertForEvents` statement, and settles each event's promise with its own outcome
 * once that statement's commit is durable, or with its error: a failed statement stored nothing,
 * so no event of it is acked. The statement commits without waiting for its WAL flush and the
 * promises wait for the next synchronous commit to flush it (`insertForEventsAsync`, #19): the
 * jobs are driven at once, and the events acked a flush later. When the dispatcher has room and
 * nothing waits to be claimed, the same transaction leases the new jobs to it (`JobSignals.
 * leaseOffer`); the others are queued, and the dispatcher nudged for each. An error the data of
 * one event can cause (a Postgres data exception or program limit: a string jsonb refuses, a
 * value too large) is retried one event per statement, so one bad event fails alone instead of
 * holding back the events that arrived with it.
 */
export class IntakeBatcher {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: Logger,
    private readonly maxBatch = MAX_BATCH,
    private readonly signals?: JobSignals,
    private readonly flushWaitMs?: number,
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
    const offer = this.signals?.leaseOffer(batch.length);
    let stored: AsyncIntake;
    try {
      stored = await jobs.insertForEventsAsync(
        batch.map((w) => w.event),
        offer,
      );
    } catch (error) {
      offer?.done([]);
      return this.failed(jobs, batch, error);
    }
    const { outcomes, leased, durable } = stored;
    offer?.done(leased, durable);
    const taken = new Set(leased.map((j) => j.id));
    for (const [i, w] of batch.entries()) if (outcomes[i].outcome === 'created' && !taken.has(w.event.id)) this.signals?.jobQueued();
    try {
      await durable(this.flushWaitMs);
    } catch (error) {
      // whether the rows outlive a crash is unknown: not acked, the events come again and their keys absorb them
      for (const w of batch) w.reject(error);
      return;
    }
    batch.forEach((w, i) => w.resolve(outcomes[i]));
  }

  /** The insert failed: on one event's data, each is stored alone so that one fails alone; else all fail. */
  private async failed(jobs: JobRepository, batch: Waiting[], error: unknown): Promise<void> {
    if (batch.length === 1 || !causedByData(error)) {
      for (const w of batch) w.reject(error);
      return;
    }
    this.logger.warn({ err: error, events: batch.length }, 'a batch of trigger events failed on its data; storing them one by one');
    // one by one, each committed synchronously (a rare path): durable as it returns
    await Promise.all(
      batch.map((w) =>
        jobs.insertForEvents([w.event]).then(
          ([outcome]) => {
            if (outcome.outcome === 'created') this.signals?.jobQueued();
            w.resolve(outcome);
          },
          (e: unknown) => w.reject(e),
        ),
      ),
    );
  }
}
