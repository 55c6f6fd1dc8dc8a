import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsInt, IsISO8601, IsObject, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { defineRpc } from '@junction/platform/ports';
import { Actor, RECIPE_VERSION_MAX, RecipeRef } from './recipe-api.contracts';

export class RecipeVersionRef extends RecipeRef {
  @IsInt()
  @Min(1)
  @Max(RECIPE_VERSION_MAX)
  version: number;
}

export class RecipeVersionSummary {
  @ApiProperty({ example: 3 })
  @IsInt()
  @Min(1)
  version: number;

  @ApiProperty({ description: 'When this version was made (create or PUT)' })
  @IsISO8601()
  createdAt: string;

  @ApiProperty({ description: 'The version a running recipe runs (set by start)' })
  @IsBoolean()
  active: boolean;

  @ApiPropertyOptional({
    type: 'object',
    properties: { type: { type: 'string', enum: ['api_key', 'user', 'service', 'root'] }, id: { type: 'string' } },
    description: 'Who made the version (the API key or user); absent for versions made before authors were kept',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => Actor)
  createdBy?: Actor;
}

export class RecipeVersionList {
  @ApiProperty({ type: [RecipeVersionSummary], description: 'Every version, newest first' })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => RecipeVersionSummary)
  items: RecipeVersionSummary[];
}

export class RecipeVersionView extends RecipeVersionSummary {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The recipe (PRODUCT.md §3) as this version stored it' })
  @IsObject()
  definition: Record<string, unknown>;
}

export const ListRecipeVersions = defineRpc('executor.recipe-versions.v1', RecipeRef, RecipeVersionList);
export const GetRecipeVersion = defineRpc('executor.recipe-version-get.v1', RecipeVersionRef, RecipeVersionView);
