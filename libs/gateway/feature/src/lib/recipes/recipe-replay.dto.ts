import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsObject, Max, Min, ValidateNested } from 'class-validator';
import { RECIPE_VERSION_MAX, ReplayJobsSelection } from '@junction/executor/contracts';

export class ReplayRecipeBody {
  @ApiProperty({ example: 4, description: 'The version to replay the jobs on (usually one not started yet)' })
  @IsInt({ message: 'version must be a version number (1, 2, …)' })
  @Min(1)
  @Max(RECIPE_VERSION_MAX)
  version: number;

  @ApiProperty({ type: ReplayJobsSelection, description: 'Exactly one of `ids` (jobs of this recipe) and `filter`' })
  @IsObject({ message: 'jobs must be an object: { "ids": [...] } or { "filter": {...} }' })
  @ValidateNested()
  @Type(() => ReplayJobsSelection)
  jobs: ReplayJobsSelection;
}
