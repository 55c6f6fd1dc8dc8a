import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { MANAGED_BY_RE, RECIPE_ID_RE, RECIPE_REFERENCES, RECIPE_VERSION_MAX, type RecipeReferences } from '@junction/executor/contracts';
import { PageLimitQuery } from '../shared/page-query';

const REFERENCES = {
  enum: RECIPE_REFERENCES,
  default: 'ids',
  description: "How `definition` gives its connections: `ids` as stored, or `names` (each connection's current name, for an export that applies to another workspace)",
} as const;

export class GetRecipeQuery {
  @ApiPropertyOptional(REFERENCES)
  @IsOptional()
  @IsIn(RECIPE_REFERENCES)
  references?: RecipeReferences;
}

export class ListRecipesQuery extends PageLimitQuery {
  @ApiPropertyOptional({ description: '`nextCursor` of the previous page' })
  @IsOptional()
  @Matches(RECIPE_ID_RE, { message: 'cursor must be a nextCursor returned by this list' })
  cursor?: string;

  @ApiPropertyOptional({ description: 'Only the recipe with exactly this name (names are unique in a workspace)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ example: 'junction-cli', description: 'Only recipes with exactly this `managedBy` marker (recipes made without one never match)' })
  @IsOptional()
  @Matches(MANAGED_BY_RE, { message: 'managedBy must be 1 to 100 printable ASCII characters' })
  managedBy?: string;

  @ApiPropertyOptional(REFERENCES)
  @IsOptional()
  @IsIn(RECIPE_REFERENCES)
  references?: RecipeReferences;
}

export class StartRecipeBody {
  @ApiPropertyOptional({ example: 2, description: 'Run this version (a rollback to an older one); absent: the latest' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(RECIPE_VERSION_MAX)
  version?: number;
}
