import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsISO8601, IsOptional, Matches, Max, Min } from 'class-validator';
import { BULK_RERUN_MAX, JOB_ID_RE, JOB_STATUSES, RECIPE_ID_RE, RERUN_VERSIONS, type JobStatusName, type RerunVersion } from '@junction/executor/contracts';
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

export class RerunJobBody {
  @ApiPropertyOptional({ enum: RERUN_VERSIONS, default: 'ran', description: "`ran`: the version the job ran on; `latest`: the recipe's newest version" })
  @IsOptional()
  @IsIn(RERUN_VERSIONS)
  version?: RerunVersion;
}

export class RerunJobsBody extends RerunJobBody {
  @ApiProperty()
  @Matches(RECIPE_ID_RE, { message: 'recipeId must be a recipe id' })
  recipeId: string;

  @ApiPropertyOptional({ enum: ['failed'], default: 'failed', description: 'Only failed jobs can be rerun' })
  @IsOptional()
  @IsIn(['failed'])
  status?: 'failed';

  @ApiPropertyOptional({ description: 'Failed jobs created at or after this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: BULK_RERUN_MAX, default: BULK_RERUN_MAX })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(BULK_RERUN_MAX)
  limit?: number;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous bulk rerun' })
  @IsOptional()
  @Matches(JOB_ID_RE, { message: 'cursor must be a nextCursor returned by a bulk rerun' })
  cursor?: string;
}
