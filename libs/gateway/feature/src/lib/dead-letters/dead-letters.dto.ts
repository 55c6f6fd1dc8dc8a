import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsISO8601, IsObject, IsOptional, Matches, ValidateNested } from 'class-validator';
import {
  DEAD_LETTER_ID_RE,
  DEAD_LETTER_REASONS,
  DEAD_LETTER_STATES,
  DeadLetterFilter,
  RECIPE_ID_RE,
  REDRIVE_MAX,
  type DeadLetterReason,
  type DeadLetterState,
} from '@junction/executor/contracts';
import { PageLimitQuery } from '../shared/page-query';

export class ListDeadLettersQuery extends PageLimitQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(RECIPE_ID_RE, { message: 'recipeId must be a recipe id' })
  recipeId?: string;

  @ApiPropertyOptional({ enum: DEAD_LETTER_REASONS })
  @IsOptional()
  @IsIn(DEAD_LETTER_REASONS)
  reason?: DeadLetterReason;

  @ApiPropertyOptional({ enum: DEAD_LETTER_STATES, description: '`dead`: not redriven yet; `redriven`: redriven' })
  @IsOptional()
  @IsIn(DEAD_LETTER_STATES)
  state?: DeadLetterState;

  @ApiPropertyOptional({ description: 'Dead-lettered at or after this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ description: 'Dead-lettered before this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page' })
  @IsOptional()
  @Matches(DEAD_LETTER_ID_RE, { message: 'cursor must be a nextCursor returned by this list' })
  cursor?: string;
}

export class RedriveDeadLettersBody {
  @ApiPropertyOptional({ type: [String], maxItems: REDRIVE_MAX, description: 'The dead letters to redrive (give these or `filter`)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(REDRIVE_MAX)
  @Matches(DEAD_LETTER_ID_RE, { each: true, message: 'each of ids must be a dead letter id (dlq_ + 26 Crockford base32 characters)' })
  ids?: string[];

  // checked here like the list's query (unknown fields refused): a bad filter is a 400 naming `filter.<field>`
  @ApiPropertyOptional({ type: DeadLetterFilter, description: `Redrive the dead letters it matches that are not redriven yet, oldest first, at most ${REDRIVE_MAX} per call` })
  @IsOptional()
  @IsObject({ message: 'filter must be an object of recipeId, reason, state, since, until' })
  @ValidateNested()
  @Type(() => DeadLetterFilter)
  filter?: DeadLetterFilter;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous redrive by the same filter' })
  @IsOptional()
  @Matches(DEAD_LETTER_ID_RE, { message: 'cursor must be a nextCursor returned by a redrive' })
  cursor?: string;
}
