import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Allow, ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';
import { defineRpc, Opaque } from '@junction/platform/ports';
import { JOB_STATUSES, type JobStatusName } from './job-api.contracts';
import { JOB_ID_RE, RECIPE_VERSION_MAX, RecipeRef } from './recipe-api.contracts';

/** Jobs one replay call works through at most (by ids, or the newest a filter matches). */
export const REPLAY_MAX_JOBS = 200;

export const REPLAY_STEP_CHANGES = ['same', 'inputChanged', 'added', 'removed'] as const;
export const REPLAY_SERVED = ['recorded', 'anew'] as const;
export const REPLAY_CALL_REASONS = ['inputChanged', 'added', 'unfinished'] as const;

/** Which recorded jobs of the recipe to replay: the newest first, at most `limit`. */
export class ReplayJobsFilter {
  @ApiPropertyOptional({ enum: JOB_STATUSES })
  @IsOptional()
  @IsIn(JOB_STATUSES, { message: `status must be one of ${JOB_STATUSES.join(', ')}` })
  status?: JobStatusName;

  @ApiPropertyOptional({ description: 'Jobs created at or after this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 instant' })
  since?: string;

  @ApiPropertyOptional({ description: 'Jobs created before this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'until must be an ISO 8601 instant' })
  until?: string;

  @ApiPropertyOptional({ description: 'Only jobs that ran on this version' })
  @IsOptional()
  @IsInt({ message: 'version must be a version number' })
  @Min(1)
  @Max(RECIPE_VERSION_MAX)
  version?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: REPLAY_MAX_JOBS, default: REPLAY_MAX_JOBS })
  @IsOptional()
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1)
  @Max(REPLAY_MAX_JOBS)
  limit?: number;
}

/** Exactly one of `ids` and `filter` (the gateway refuses both or neither, naming the field). */
export class ReplayJobsSelection {
  @ApiPropertyOptional({ type: [String], maxItems: REPLAY_MAX_JOBS, description: 'Jobs of this recipe to replay' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(REPLAY_MAX_JOBS, { message: `ids must list at most ${REPLAY_MAX_JOBS} jobs per call` })
  @Matches(JOB_ID_RE, { each: true, message: 'each of ids must be a job id (job_ + 26 Crockford base32 characters)' })
  ids?: string[];

  @ApiPropertyOptional({ type: ReplayJobsFilter, description: `The newest jobs of this recipe it matches, at most ${REPLAY_MAX_JOBS}` })
  @IsOptional()
  @ValidateNested()
  @Type(() => ReplayJobsFilter)
  filter?: ReplayJobsFilter;
}

export class ReplayRecipeRequest extends RecipeRef {
  @IsInt()
  @Min(1)
  @Max(RECIPE_VERSION_MAX)
  version: number;

  @ValidateNested()
  @Type(() => ReplayJobsSelection)
  jobs: ReplayJobsSelection;
}

export class ReplayFieldChange {
  @ApiProperty({ example: 'body.customer.email', description: 'Dotted path, list indices in brackets; "" for the whole value' })
  @IsString()
  path: string;

  @ApiPropertyOptional({ description: 'The recorded value (absent: the field is new)' })
  @IsOptional()
  @Allow()
  @Opaque()
  before?: unknown;

  @ApiPropertyOptional({ description: 'The replayed value (absent: the field is gone)' })
  @IsOptional()
  @Allow()
  @Opaque()
  after?: unknown;
}

export class ReplayedStepView {
  @ApiProperty({ example: 'post' })
  @IsString()
  stepKey: string;

  @ApiProperty()
  @IsString()
  stepId: string;

  @ApiProperty({ enum: REPLAY_STEP_CHANGES, description: 'A call compares its rendered input (redacted); another step its rendered value' })
  @IsIn(REPLAY_STEP_CHANGES)
  change: (typeof REPLAY_STEP_CHANGES)[number];

  @ApiPropertyOptional({ type: [ReplayFieldChange] })
  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => ReplayFieldChange)
  inputDiff?: ReplayFieldChange[];

  @ApiPropertyOptional({ enum: REPLAY_SERVED, description: 'Steps that call out only: answered from the recording, or a call the version would make anew' })
  @IsOptional()
  @IsIn(REPLAY_SERVED)
  served?: (typeof REPLAY_SERVED)[number];
}

export class ReplayCallView {
  @ApiProperty()
  @IsString()
  stepKey: string;

  @ApiProperty()
  @IsString()
  stepId: string;

  @ApiProperty({ example: 'http.request', description: '`connector.action`, or `recipe:<id>` for a callRecipe' })
  @IsString()
  action: string;

  @ApiPropertyOptional({ description: 'The connection id the call would use' })
  @IsOptional()
  @IsString()
  connection?: string;

  @ApiProperty({ description: 'The rendered input, secrets redacted' })
  @Allow()
  @Opaque()
  input: unknown;

  @ApiProperty({ enum: REPLAY_CALL_REASONS })
  @IsIn(REPLAY_CALL_REASONS)
  reason: (typeof REPLAY_CALL_REASONS)[number];

  @ApiProperty({ enum: ['recorded', 'null'], description: 'What the replay continued with: the recorded outcome of the step, or null (no recording)' })
  @IsIn(['recorded', 'null'])
  continuedWith: 'recorded' | 'null';
}

export class ReplayOutputView {
  @ApiProperty({ description: "The job's step outputs as recorded (secrets redacted)" })
  @Allow()
  @Opaque()
  before: unknown;

  @ApiProperty({ description: 'The step outputs of the replay' })
  @Allow()
  @Opaque()
  after: unknown;

  @ApiProperty({ type: [ReplayFieldChange] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ReplayFieldChange)
  diff: ReplayFieldChange[];
}

export class ReplayStatusView {
  @ApiProperty({ description: 'How the job ended (or where it is)' })
  @IsString()
  before: string;

  @ApiProperty({ description: 'How the replay ended: succeeded, failed, stopped, or error (the replay could not run)' })
  @IsString()
  after: string;
}

export class JobReplayView {
  @ApiProperty()
  @IsString()
  jobId: string;

  @ApiProperty({ type: [ReplayedStepView], description: 'Every step in the order the replay ended it, then the recorded steps it did not run (removed)' })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ReplayedStepView)
  steps: ReplayedStepView[];

  @ApiProperty({ type: [ReplayCallView], description: 'Calls the recording cannot answer: the version would make them anew (the replay sent nothing)' })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ReplayCallView)
  calls: ReplayCallView[];

  @ApiProperty({ type: ReplayOutputView })
  @ValidateNested()
  @Type(() => ReplayOutputView)
  output: ReplayOutputView;

  @ApiProperty({ type: ReplayStatusView })
  @ValidateNested()
  @Type(() => ReplayStatusView)
  status: ReplayStatusView;

  @ApiProperty({ description: 'Some call was made anew: what follows it continued from the recorded outcome or null, a best guess' })
  @IsBoolean()
  approximate: boolean;

  @ApiPropertyOptional({ description: 'Why the engine could not replay the job' })
  @IsOptional()
  @IsString()
  error?: string;
}

export class ReplaySummary {
  @ApiProperty({ description: 'Jobs replayed' })
  @IsInt()
  jobs: number;

  @ApiProperty({ description: 'Jobs with a changed step, a different output or a different status' })
  @IsInt()
  changed: number;

  @ApiProperty({ description: 'Calls the version would make anew, all jobs together' })
  @IsInt()
  callsAnew: number;
}

export class ReplayResult {
  @ApiProperty()
  @IsString()
  recipeId: string;

  @ApiProperty({ description: 'The version replayed' })
  @IsInt()
  version: number;

  @ApiProperty({ type: ReplaySummary })
  @ValidateNested()
  @Type(() => ReplaySummary)
  summary: ReplaySummary;

  @ApiProperty({ type: [JobReplayView], description: 'One report per job, newest job first' })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => JobReplayView)
  jobs: JobReplayView[];
}

// a few hundred jobs through the engine and two reads of Postgres: more than the default 5 s under load
export const ReplayRecipe = defineRpc('executor.recipe-replay.v1', ReplayRecipeRequest, ReplayResult, { timeoutMs: 60_000 });
