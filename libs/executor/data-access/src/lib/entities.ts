import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A recipe's identity and run state; its definitions live in `recipe_versions`. Soft-deleted. */
@Entity('recipes')
export class RecipeRow {
  @PrimaryColumn('text') id: string;
  @Column('text') workspaceId: string;
  @Column('text') name: string;
  /** Latest version. */
  @Column('int') version: number;
  @Column('text') state: 'stopped' | 'running';
  /** The version `start` chose; kept after `stop` so late events still become jobs of it. */
  @Column('int', { nullable: true }) activeVersion: number | null;
  @Column('text', { nullable: true }) hookId: string | null;
  /** The provider's id of the hook a connector trigger's onEnable registered (for onDisable). */
  @Column('text', { nullable: true }) hookExternalId: string | null;
  /** Who applied it (e.g. `junction-cli`); null for recipes made in the console or API. Not versioned. */
  @Column('text', { nullable: true }) managedBy: string | null;
  @Column('timestamptz', { nullable: true }) deletedAt: Date | null;
  @Column('timestamptz') createdAt: Date;
  @Column('timestamptz') updatedAt: Date;
}

@Entity('recipe_versions')
export class RecipeVersionRow {
  @PrimaryColumn('text') recipeId: string;
  @PrimaryColumn('int') version: number;
  @Column('jsonb') definition: Record<string, unknown>;
  @Column('timestamptz') createdAt: Date;
  /** The actor that made the version (`{ type, id }`); null for versions older than the column. */
  @Column('jsonb', { nullable: true }) createdBy: VersionAuthor | null;
}

export interface VersionAuthor {
  type: string;
  id: string;
}

export type JobRowStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'stopped';

export interface JobDedupe {
  /** Where the key came from: provider, header, idempotency-key, body-hash, signed-body-hash, signed-payload, schedule, poll, none. */
  key: string;
  /** How long the key absorbs repeats: a duration (`5m`), `lasting`, or `off`. */
  window: string;
}

/** One execution of a recipe version for one trigger event, with the engine state checkpointed. */
@Entity('jobs')
export class JobRow {
  @PrimaryColumn('text') id: string;
  @Column('text') workspaceId: string;
  @Column('text') recipeId: string;
  @Column('int') recipeVersion: number;
  @Column('text') dedupeKey: string;
  /** The dedupe window's bucket of `receivedAt` (0: the key never expires); unique with (recipe, key). */
  @Column('bigint', { default: 0 }) dedupeBucket: string;
  /** Which key and window applied (`{ key, window }`); null for jobs older than dedupe windows. */
  @Column('jsonb', { nullable: true }) dedupe: JobDedupe | null;
  @Column('text') triggerKind: string;
  @Column('text') status: JobRowStatus;
  @Column('int') concurrency: number;
  @Column('jsonb', { nullable: true }) trigger: unknown;
  /** The engine's JobState (without `trigger`, stored once above). */
  @Column('jsonb', { nullable: true }) state: Record<string, unknown> | null;
  @Column('jsonb', { nullable: true }) reply: Record<string, unknown> | null;
  @Column('jsonb', { nullable: true }) error: Record<string, unknown> | null;
  /** Bumped by every write: the compare-and-set token that fences a stale worker. */
  @Column('int') revision: number;
  /** Step rows written so far: the next row's seq. */
  @Column('int') stepCount: number;
  @Column('text', { nullable: true }) leaseOwner: string | null;
  @Column('timestamptz', { nullable: true }) leaseUntil: Date | null;
  @Column('timestamptz', { nullable: true }) wakeAt: Date | null;
  @Column('timestamptz', { nullable: true }) deadlineAt: Date | null;
  @Column('timestamptz') receivedAt: Date;
  @Column('timestamptz') createdAt: Date;
  @Column('timestamptz', { nullable: true }) startedAt: Date | null;
  @Column('timestamptz', { nullable: true }) finishedAt: Date | null;
  @Column('timestamptz') updatedAt: Date;
  /** The error handler run for this failure (`{ recipeId, jobId, at }`), cleared by a rerun. */
  @Column('jsonb', { nullable: true }) alert: JobAlert | null;
  /** W3C trace context of the event that made the job: its driving continues that trace (null before tracing). */
  @Column('text', { nullable: true }) traceparent: string | null;
  /** null: a failure whose alert is still to be decided; `sent`, `none`, `handler` (a handler's failure), `before` (failed before alerts). */
  @Column('text', { nullable: true }) alertState: string | null;
}

export interface JobAlert {
  recipeId: string;
  jobId: string;
  at: string;
}

@Entity('job_steps')
export class JobStepRow {
  @PrimaryColumn('text') jobId: string;
  @PrimaryColumn('int') seq: number;
  @Column('text') stepId: string;
  @Column('text') stepKey: string;
  @Column('text') kind: string;
  @Column('text') status: string;
  @Column('int', { nullable: true }) attempt: number | null;
  @Column('int') attemptGroup: number;
  @Column('jsonb', { nullable: true }) input: unknown;
  /** Parts of `input` stored as references into the job's trigger (#19, stored once); readers get them resolved. */
  @Column('jsonb', { nullable: true }) inputRef?: StepInputRef[] | null;
  @Column('jsonb', { nullable: true }) output: unknown;
  @Column('jsonb', { nullable: true }) error: unknown;
  @Column('timestamptz') startedAt: Date;
  @Column('timestamptz') finishedAt: Date;
}

/** A value of a step's input that is the job trigger's own: null at `at` in the stored input, the trigger's value at `from` when read. */
export interface StepInputRef {
  at: string[];
  from: string[];
}
