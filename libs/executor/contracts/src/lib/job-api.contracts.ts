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

  @ApiProperty({ enum: ['succeeded', 'failed', 'retrying', 'deferred'] })
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

export const ListJobs = defineRpc('executor.job-list.v1', ListJobsRequest, JobList);
export const GetJob = defineRpc('executor.job-get.v1', JobRef, JobView);
/** From the failed step: completed steps keep their outputs, a new attempt group. `conflict` unless failed. */
export const RerunJob = defineRpc('executor.job-rerun.v1', JobRef, JobSummary);
/** `conflict` for a job already finished. */
export const CancelJob = defineRpc('executor.job-cancel.v1', JobRef, JobSummary);
