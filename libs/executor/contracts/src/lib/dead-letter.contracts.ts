import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Allow, ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';
import { defineRpc, Opaque } from '@junction/platform/ports';
import { Actor, PAGE_MAX, RECIPE_ID_RE, WorkspaceScoped } from './recipe-api.contracts';

export const DEAD_LETTER_ID_RE = /^dlq_[0-9A-HJKMNP-TV-Z]{26}$/;
/** `invalid`: the message failed validation; `max_deliveries`: every delivery failed (`detail` is the last error). */
export const DEAD_LETTER_REASONS = ['invalid', 'max_deliveries'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];
/** `dead`: not redriven yet; `redriven`: made a job (or found the job its event had made). */
export const DEAD_LETTER_STATES = ['dead', 'redriven'] as const;
export type DeadLetterState = (typeof DEAD_LETTER_STATES)[number];
/** Which consumer gave the event up: an accepted webhook or API run, a schedule's tick, a poll's record. */
export const DEAD_LETTER_SOURCES = ['trigger', 'schedule', 'poll'] as const;
export type DeadLetterSource = (typeof DEAD_LETTER_SOURCES)[number];
/** Dead letters one redrive handles at most (ids given, or matched by a filter). */
export const REDRIVE_MAX = 100;

/** What selects dead letters: every field optional, all given ones must match. */
export class DeadLetterFilter {
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(RECIPE_ID_RE, { message: 'recipeId must be a recipe id' })
  recipeId?: string;

  @ApiPropertyOptional({ enum: DEAD_LETTER_REASONS })
  @IsOptional()
  @IsIn(DEAD_LETTER_REASONS, { message: `reason must be one of ${DEAD_LETTER_REASONS.join(', ')}` })
  reason?: DeadLetterReason;

  @ApiPropertyOptional({ enum: DEAD_LETTER_STATES, description: '`dead`: not redriven yet; `redriven`: redriven' })
  @IsOptional()
  @IsIn(DEAD_LETTER_STATES, { message: `state must be one of ${DEAD_LETTER_STATES.join(', ')}` })
  state?: DeadLetterState;

  @ApiPropertyOptional({ description: 'Dead-lettered at or after this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 instant' })
  since?: string;

  @ApiPropertyOptional({ description: 'Dead-lettered before this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'until must be an ISO 8601 instant' })
  until?: string;
}

export class ListDeadLettersRequest extends WorkspaceScoped {
  @IsOptional()
  @ValidateNested()
  @Type(() => DeadLetterFilter)
  filter?: DeadLetterFilter;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(PAGE_MAX)
  limit?: number;

  @IsOptional()
  @Matches(DEAD_LETTER_ID_RE)
  cursor?: string;
}

export class DeadLetterRef extends WorkspaceScoped {
  @Matches(DEAD_LETTER_ID_RE)
  id: string;
}

export class DeadLetterSummary {
  @ApiProperty({ example: 'dlq_01JEXAMPLE0000000000000000' })
  @IsString()
  id: string;

  @ApiPropertyOptional({ description: 'The recipe the event was for (absent when the event names none)' })
  @IsOptional()
  @IsString()
  recipeId?: string;

  @ApiProperty({ enum: DEAD_LETTER_SOURCES })
  @IsIn(DEAD_LETTER_SOURCES)
  source: DeadLetterSource;

  @ApiProperty({ enum: DEAD_LETTER_REASONS })
  @IsIn(DEAD_LETTER_REASONS)
  reason: DeadLetterReason;

  @ApiProperty({ description: 'Which validation failed (`invalid`), or the last delivery error (`max_deliveries`)' })
  @IsString()
  detail: string;

  @ApiProperty({ description: 'How many times the event was delivered before it was given up' })
  @IsInt()
  deliveryCount: number;

  @ApiProperty({ description: 'When it was dead-lettered' })
  @IsISO8601()
  createdAt: string;

  @ApiProperty({ enum: DEAD_LETTER_STATES })
  @IsIn(DEAD_LETTER_STATES)
  state: DeadLetterState;

  @ApiPropertyOptional()
  @IsOptional()
  @IsISO8601()
  redrivenAt?: string;

  @ApiPropertyOptional({ type: Actor, description: 'Who redrove it (a key or user id, never a secret)' })
  @IsOptional()
  @ValidateNested()
  @Type(() => Actor)
  redrivenBy?: Actor;

  @ApiPropertyOptional({ description: 'The job the redrive made (or found)' })
  @IsOptional()
  @IsString()
  jobId?: string;
}

export class DeadLetterView extends DeadLetterSummary {
  @ApiPropertyOptional({ description: 'The event as it was received (secrets redacted); absent when it could not be stored' })
  @IsOptional()
  @Allow()
  @Opaque()
  event?: unknown;
}

export class DeadLetterList {
  @ApiProperty({ type: [DeadLetterSummary] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => DeadLetterSummary)
  items: DeadLetterSummary[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  nextCursor?: string;
}

/**
 * Redrive the dead letters named by `ids`, or those a `filter` matches (not yet redriven, oldest
 * first, at most REDRIVE_MAX). `filter` travels as given and is checked by the executor, so a
 * filter it cannot apply is `unprocessable` naming the field.
 */
export class RedriveDeadLettersRequest extends WorkspaceScoped {
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(REDRIVE_MAX)
  @Matches(DEAD_LETTER_ID_RE, { each: true })
  ids?: string[];

  @IsOptional()
  @Allow()
  @Opaque()
  filter?: unknown;

  @IsOptional()
  @Matches(DEAD_LETTER_ID_RE)
  cursor?: string;
}

export class RedriveOutcome {
  @ApiProperty()
  @IsString()
  id: string;

  @ApiPropertyOptional({ description: 'The job made for the event, or the job its dedupe key had already made' })
  @IsOptional()
  @IsString()
  jobId?: string;

  @ApiPropertyOptional({ description: '`created`: a new job; `duplicate`: the event had already made this job' })
  @IsOptional()
  @IsIn(['created', 'duplicate'])
  outcome?: 'created' | 'duplicate';

  @ApiPropertyOptional({
    description:
      'Why it was not redriven: `{ code, message }`, code `not_found`, `already_redriven`, `recipe_not_running` (start the recipe, then redrive again), `invalid` (the event still cannot make a job) or `failed` (storing the job failed; the letter stays dead)',
  })
  @IsOptional()
  @Allow()
  @Opaque()
  error?: unknown;
}

export class RedriveResult {
  @ApiProperty({ type: [RedriveOutcome] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => RedriveOutcome)
  items: RedriveOutcome[];

  @ApiPropertyOptional({ description: 'A filter matched more: pass it as `cursor` with the same filter for the next ones' })
  @IsOptional()
  @IsString()
  nextCursor?: string;
}

export const ListDeadLetters = defineRpc('executor.dead-letter-list.v1', ListDeadLettersRequest, DeadLetterList);
export const GetDeadLetter = defineRpc('executor.dead-letter-get.v1', DeadLetterRef, DeadLetterView);
/** Each dead letter redriven at most once (marked in the transaction that makes its job); one outcome per letter. */
export const RedriveDeadLetters = defineRpc('executor.dead-letter-redrive.v1', RedriveDeadLettersRequest, RedriveResult);
