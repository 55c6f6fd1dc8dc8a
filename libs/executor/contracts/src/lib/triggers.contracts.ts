import { Allow, IsIn, IsInt, IsISO8601, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { defineEvent, defineRpc, defineSignal, defineStream, Opaque } from '@junction/platform/ports';

export const TRIGGER_KINDS = ['webhook', 'api', 'schedule', 'poll', 'manual'] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number];

/** Accepted trigger events wait here until the executor has made them jobs (file storage, 7 days). */
export const TriggerStream = defineStream({ name: 'TRIGGERS', subjects: ['executor.trigger.>'], duplicateWindowMs: 10 * 60_000, maxAgeMs: 7 * 24 * 3600_000 });

/**
 * One accepted trigger event. Published with `Nats-Msg-Id` = `<recipeId>:<dedupeKey>`; the
 * executor makes at most one job per (recipe, dedupeKey), durably in Postgres.
 */
export class TriggerEventPayload {
  @IsString()
  @MaxLength(64)
  workspaceId: string;

  @IsString()
  @MaxLength(64)
  recipeId: string;

  @IsIn(TRIGGER_KINDS)
  kind: TriggerKind;

  /** Provider delivery id, configured header, API Idempotency-Key, tick id, or a body hash. */
  @IsString()
  @MaxLength(512)
  dedupeKey: string;

  /**
   * How long the key absorbs repeats, ms, from the first job it made (a body hash's short window);
   * absent: for ever. The gateway's `Nats-Msg-Id` then carries the window's bucket, so a repeat
   * after the window is not swallowed by the stream's own duplicate window.
   */
  @IsOptional()
  @IsInt()
  @Min(1000)
  @Max(100 * 86_400_000)
  dedupeWindowMs?: number;

  /** Which key and window applied, for the job view: `{ key: 'body-hash', window: '5m' }`. */
  @IsOptional()
  @IsString()
  @MaxLength(32)
  dedupeSource?: string;

  @IsOptional()
  @IsString()
  @MaxLength(32)
  dedupeWindow?: string;

  /**
   * The recipe's `{{ }}` dedupe key expression (JSONata over `{ trigger }`): the executor evaluates
   * it and, when it gives a value, dedupes by that for ever instead of `dedupeKey` (the fallback).
   */
  @IsOptional()
  @IsString()
  @MaxLength(4200)
  dedupeExpression?: string;

  @IsISO8601({ strict: true })
  receivedAt: string;

  /**
   * What recipes read as `trigger`: for webhooks `{ headers, query, body }`, for API runs the
   * payload. A large one travels by claim check (the messaging layer stores it once).
   */
  @Allow()
  @Opaque()
  data?: unknown;
}

/** `executor.trigger.received.v1`: published by the gateway (webhooks, API runs) and the scheduler. */
export const TriggerReceived = defineEvent('executor.trigger.received.v1', TriggerEventPayload, TriggerStream);

/** Which running recipe a hook or an API run reaches. Exactly one of hookId / recipeId. */
export class ResolveTriggerRequest {
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{16,64}$/)
  hookId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  workspaceId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  recipeId?: string;
}

export class TriggerTarget {
  @IsString()
  @MaxLength(64)
  workspaceId: string;

  @IsString()
  @MaxLength(64)
  recipeId: string;

  @IsInt()
  @Min(1)
  recipeVersion: number;

  @IsIn(['running', 'stopped'])
  state: 'running' | 'stopped';

  /** The recipe's trigger as written (type, connector, trigger, connection, signature, dedupeHeader, input). */
  @IsObject()
  trigger: Record<string, unknown>;
}

/** `executor.resolve-trigger.v1`: `not_found` for an unknown hook or a recipe of another workspace. */
export const ResolveTrigger = defineRpc('executor.resolve-trigger.v1', ResolveTriggerRequest, TriggerTarget, { timeoutMs: 2000 });

export class HookChangedSignal {
  @Matches(/^[A-Za-z0-9_-]{16,64}$/)
  hookId: string;
}

/**
 * `executor.hook.changed.v1`: a hook's recipe was started, stopped or deleted (or started on a new
 * version): every gateway drops its cached lookup of the hook. Core NATS, so a gateway that is
 * disconnected misses it; its cache entries expire on their own (HOOK_CACHE_TTL_MS).
 */
export const HookChanged = defineSignal('executor.hook.changed.v1', HookChangedSignal);

export class AwaitRunRequest {
  @IsString()
  @MaxLength(64)
  workspaceId: string;

  @IsString()
  @MaxLength(64)
  recipeId: string;

  @IsString()
  @MaxLength(512)
  dedupeKey: string;

  /** How long to wait for the job to finish (or to `respond`), ms. */
  @IsInt()
  @Min(1)
  @Max(120_000)
  timeoutMs: number;
}

export class RunOutcome {
  /** Undefined while the event is not a job yet. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  jobId?: string;

  /** `pending` when the wait ran out first. */
  @IsIn(['pending', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'stopped'])
  status: string;

  /** The `respond` step's reply, when the recipe has one: `{ status, headers?, body? }`. */
  @IsOptional()
  @IsObject()
  reply?: { status: number; headers?: Record<string, string>; body?: unknown };

  /** The job's outputs by step id (secrets redacted), for recipes without `respond`. */
  @IsOptional()
  @Allow()
  @Opaque()
  output?: unknown;

  @IsOptional()
  @Allow()
  @Opaque()
  error?: unknown;
}

/** `executor.await-run.v1`: waits (durably: the job row, not a message) for a run to finish or respond. */
export const AwaitRun = defineRpc('executor.await-run.v1', AwaitRunRequest, RunOutcome, { timeoutMs: 125_000 });

/** The executor's durable consumer of trigger events: the gateway reads its backlog. */
export const TRIGGER_INTAKE_DURABLE = 'executor-trigger-intake';

/**
 * Cache key (Redis, under the deployment's namespace) where executors report the jobs accepted
 * and not yet started, every second: `{ "queued": n, "at": epochMs }`, kept a few seconds. With
 * the trigger stream's backlog it is the ingress queue the gateway limits (backpressure).
 */
export const QUEUED_JOBS_CACHE_KEY = 'executor:queued-jobs';

export interface QueuedJobsReport {
  queued: number;
  at: number;
  /** Queued jobs of the workspaces with the most of them (at most 100): each workspace's share of the backlog. */
  byWorkspace?: Record<string, number>;
}
