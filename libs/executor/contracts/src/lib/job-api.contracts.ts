import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Allow, IsArray, IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { defineRpc, Opaque } from '@junction/platform/ports';
import { JOB_ID_RE, PAGE_MAX, WorkspaceScoped } from './recipe-api.contracts';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'stopped'] as const;
export type JobStatusName = (typeof JOB_STATUSES)[number];
export const TERMINAL_JOB_STATUSES: readonly JobStatusName[] = ['succeeded', 'failed', 'cancelled', 'stopped'];

export class JobRef extends WorkspaceScoped {
  @IsString()
  @MaxLength(64)
  id: string;
}

/** `status=failed` lists the dead letters: jobs that exhausted their retries or failed at once. */
export class ListJobsRequest extends WorkspaceScoped {
  @IsOptional()
  @IsString()
  @MaxLength(64)
  recipeId?: string;

  @IsOptional()
  @IsIn(JOB_STATUSES)
  status?: JobStatusName;

  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(PAGE_MAX)
  limit?: number;

  @IsOptional()
  @Matches(JOB_ID_RE)
  cursor?: string;
}

/** The error handler run for a failure. */
export class JobAlertView {
  @ApiProperty({ description: 'The handler recipe' })
  @IsString()
  recipeId: string;

  @ApiProperty({ description: "The handler's job" })
  @IsString()
  jobId: string;

  @ApiProperty()
  @IsISO8601()
  at: string;
}

export class JobSummary {
  @ApiProperty()
  @IsString()
  id: string;

  @ApiProperty()
  @IsString()
  recipeId: string;

  @ApiProperty()
  @IsInt()
  recipeVersion: number;

  @ApiProperty({ enum: JOB_STATUSES })
  @IsIn(JOB_STATUSES)
  status: JobStatusName;

  @ApiProperty({ description: 'The trigger event dedupe key' })
  @IsString()
  dedupeKey: string;

  @ApiProperty()
  @IsISO8601()
  createdAt: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsISO8601()
  startedAt?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsISO8601()
  finishedAt?: string;

  @ApiPropertyOptional({ description: 'Why the job failed, stopped or timed out' })
  @IsOptional()
  @Allow()
  @Opaque()
  error?: unknown;
  @ApiPropertyOptional({ type: JobAlertView, description: 'The error handler run for this failure (settings.onFailure, or the workspace default)' })
  @IsOptional()
  @ValidateNested()
  @Type(() => JobAlertView)
  alert?: JobAlertView;
}

export const RERUN_VERSIONS = ['ran', 'latest'] as const;
export type RerunVersion = (typeof RERUN_VERSIONS)[number];
/** Jobs one bulk rerun handles at most; the answer says when more failed jobs are left. */
export const BULK_RERUN_MAX = 50;

export class RerunJobRequest extends JobRef {
  /** `ran` (the default): the version the job ran on; `latest`: the recipe's newest version. */
  @IsOptional()
  @IsIn(RERUN_VERSIONS)
  version?: RerunVersion;
}

/** One rerun: which version it runs on, and which completed steps it keeps. */
export class RerunView {
  @ApiProperty()
  @IsISO8601()
  at: string;

  @ApiProperty({ enum: RERUN_VERSIONS, description: "`ran`: the version the job ran on; `latest`: the recipe's newest version" })
  @IsIn(RERUN_VERSIONS)
  basis: RerunVersion;

  @ApiProperty({ description: 'The version the job ran on before this rerun' })
  @IsInt()
  fromVersion: number;

  @ApiProperty({ description: 'The version this rerun runs on' })
  @IsInt()
  version: number;

  @ApiProperty({ type: [String], description: 'Completed steps whose outputs are kept: they do not run again' })
  @IsArray()
  @IsString({ each: true })
  kept: string[];

  @ApiProperty({ type: [String], description: 'Steps without a kept output: they run as the job reaches them, the failed step first' })
  @IsArray()
  @IsString({ each: true })
  again: string[];

  @ApiProperty({ type: [String], description: 'Completed steps the version no longer has: their outputs are dropped' })
  @IsArray()
  @IsString({ each: true })
  dropped: string[];
}

export class JobStepView {
  @ApiProperty()
  @IsInt()
  seq: number;

  @ApiProperty()
  @IsString()
  stepId: string;

  @ApiProperty({ description: 'Step id plus forEach indices' })
  @IsString()
  stepKey: string;

  @ApiProperty()
  @IsString()
  kind: string;

  @ApiProperty({
    enum: ['succeeded', 'failed', 'retrying', 'deferred', 'uncertain'],
    description: 'uncertain: the effect ledger held a call a crash cut back (docs/guarantees.md §15)',
  })
  @IsString()
  status: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  attempt?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  group?: number;

  @ApiPropertyOptional({ description: 'secrets redacted' })
  @IsOptional()
  @Allow()
  @Opaque()
  input?: unknown;

  @ApiPropertyOptional({ description: 'secrets redacted' })
  @IsOptional()
  @Allow()
  @Opaque()
  output?: unknown;

  @ApiPropertyOptional()
  @IsOptional()
  @Allow()
  @Opaque()
  error?: unknown;

  @ApiProperty()
  @IsISO8601()
  startedAt: string;

  @ApiProperty()
  @IsISO8601()
  finishedAt: string;

  @ApiProperty()
  @IsInt()
  @Min(0)
  durationMs: number;
}

export class JobDedupeView {
  @ApiProperty({ description: 'Where the dedupe key came from: provider, header, idempotency-key, body-hash, signed-body-hash, signed-payload, schedule, poll, none' })
  @IsString()
  @MaxLength(32)
  key: string;

  @ApiProperty({ description: 'How long the key absorbed repeats: a duration ("5m"), "lasting" (for ever) or "off"' })
  @IsString()
  @MaxLength(32)
  window: string;
}

export class JobView extends JobSummary {
  @ApiPropertyOptional({ type: JobDedupeView, description: 'Which dedupe key and window applied to the event (absent for jobs from before dedupe windows)' })
  @IsOptional()
  @ValidateNested()
  @Type(() => JobDedupeView)
  dedupe?: JobDedupeView;

  @ApiPropertyOptional({
    description: "W3C trace id of the event that made the job (the webhook's `traceparent`): the job's spans and log lines carry it (absent for jobs from before tracing)",
    example: '4bf92f3577b34da6a3ce929d0e0e4736',
  })
  @IsOptional()
  @Matches(/^[0-9a-f]{32}$/)
  traceId?: string;

  @ApiPropertyOptional({ description: 'The trigger event as the recipe read it (secrets redacted)' })
  @IsOptional()
  @Allow()
  @Opaque()
  trigger?: unknown;

  @ApiPropertyOptional({ description: 'Outputs by step id (secrets redacted)' })
  @IsOptional()
  @Allow()
  @Opaque()
  output?: unknown;

  @ApiPropertyOptional({ description: 'The `respond` step reply' })
  @IsOptional()
  @Allow()
  @Opaque()
  reply?: unknown;

  @ApiProperty({ type: [JobStepView] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => JobStepView)
  steps: JobStepView[];

  @ApiPropertyOptional({
    type: [RerunView],
    description: "Reruns, oldest first (the last 20): the first run was on the first one's `fromVersion`; `recipeVersion` is the version of the latest run",
  })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => RerunView)
  reruns?: RerunView[];
}

export class JobList {
  @ApiProperty({ type: [JobSummary] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => JobSummary)
  items: JobSummary[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  nextCursor?: string;
}

export class RerunResult extends JobSummary {
  @ApiProperty({ type: RerunView })
  @ValidateNested()
  @Type(() => RerunView)
  rerun: RerunView;
}

/** Reruns the failed jobs of one recipe, newest first, at most `limit` (BULK_RERUN_MAX) per call. */
export class RerunJobsRequest extends WorkspaceScoped {
  @IsString()
  @MaxLength(64)
  recipeId: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @IsOptional()
  @IsIn(RERUN_VERSIONS)
  version?: RerunVersion;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(BULK_RERUN_MAX)
  limit?: number;

  /** `nextCursor` of the previous bulk rerun: jobs older than it (newest first, like the list). */
  @IsOptional()
  @Matches(JOB_ID_RE)
  cursor?: string;
}

export class RerunOutcome {
  @ApiProperty()
  @IsString()
  id: string;

  @ApiPropertyOptional({ type: RerunView, description: 'Present when the job was rerun' })
  @IsOptional()
  @ValidateNested()
  @Type(() => RerunView)
  rerun?: RerunView;

  @ApiPropertyOptional({ description: 'Why this job was not rerun: `{ code: "conflict", message }`' })
  @IsOptional()
  @Allow()
  @Opaque()
  error?: unknown;
}

export class RerunJobsResult {
  @ApiProperty({ enum: RERUN_VERSIONS, description: 'The version every rerun was asked to run on' })
  @IsIn(RERUN_VERSIONS)
  version: RerunVersion;

  @ApiProperty({ type: [RerunOutcome] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => RerunOutcome)
  items: RerunOutcome[];

  @ApiPropertyOptional({ description: 'More failed jobs match: pass it as `cursor` to rerun the next ones' })
  @IsOptional()
  @IsString()
  nextCursor?: string;
}

export const ListJobs = defineRpc('executor.job-list.v1', ListJobsRequest, JobList);
export const GetJob = defineRpc('executor.job-get.v1', JobRef, JobView);
/**
 * From the failed step, on the version that ran or the latest: completed steps keep their outputs,
 * a new attempt group. `conflict` unless failed, or when the latest cannot continue the job (why).
 */
export const RerunJob = defineRpc('executor.job-rerun.v1', RerunJobRequest, RerunResult);
/** Failed jobs of a recipe rerun the same way, each with its own outcome. */
export const RerunJobs = defineRpc('executor.jobs-rerun.v1', RerunJobsRequest, RerunJobsResult);
/** `conflict` for a job already finished. */
export const CancelJob = defineRpc('executor.job-cancel.v1', JobRef, JobSummary);
