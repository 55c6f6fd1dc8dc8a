import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, Matches } from 'class-validator';
import { JOB_ID_RE, JOB_STATUSES, RECIPE_ID_RE, type JobStatusName } from '@junction/executor/contracts';
import { PageLimitQuery } from '../shared/page-query';

export class ListJobsQuery extends PageLimitQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(RECIPE_ID_RE, { message: 'recipeId must be a recipe id' })
  recipeId?: string;

  @ApiPropertyOptional({ enum: JOB_STATUSES, description: '`failed` lists the dead letters' })
  @IsOptional()
  @IsIn(JOB_STATUSES)
  status?: JobStatusName;

  @ApiPropertyOptional({ description: 'Jobs created at or after this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page' })
  @IsOptional()
  @Matches(JOB_ID_RE, { message: 'cursor must be a nextCursor returned by this list' })
  cursor?: string;
}
