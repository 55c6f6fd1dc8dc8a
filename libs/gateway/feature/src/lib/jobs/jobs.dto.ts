import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, Matches, Max, Min } from 'class-validator';
import { JOB_ID_RE, JOB_STATUSES, PAGE_MAX, RECIPE_ID_RE, type JobStatusName } from '@junction/executor/contracts';

export class ListJobsQuery {
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

  @ApiPropertyOptional({ minimum: 1, maximum: PAGE_MAX, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(PAGE_MAX)
  limit?: number;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page' })
  @IsOptional()
  @Matches(JOB_ID_RE, { message: 'cursor must be a nextCursor returned by this list' })
  cursor?: string;
}
