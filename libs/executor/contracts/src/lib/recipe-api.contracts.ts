import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Allow, IsArray, IsBoolean, IsIn, IsInt, IsISO8601, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { defineRpc } from '@junction/platform/ports';

export const RECIPE_ID_RE = /^rcp_[0-9A-HJKMNP-TV-Z]{26}$/;
export const JOB_ID_RE = /^job_[0-9A-HJKMNP-TV-Z]{26}$/;
export const RECIPE_STATES = ['stopped', 'running'] as const;
export type RecipeState = (typeof RECIPE_STATES)[number];
export const PAGE_MAX = 100;

export const ACTOR_KINDS = ['api_key', 'user', 'service', 'root'] as const;

/** Who asked, for the audit log (the gateway's principal). */
export class Actor {
  @IsIn(ACTOR_KINDS)
  type: (typeof ACTOR_KINDS)[number];

  @IsString()
  @MaxLength(128)
  id: string;
}

/** Every executor request names its workspace: rows of other workspaces answer `not_found`. */
export class WorkspaceScoped {
  @IsString()
  @MaxLength(64)
  workspaceId: string;

  /** Mutations are audited under this actor (`service:executor` when absent). */
  @IsOptional()
  @ValidateNested()
  @Type(() => Actor)
  actor?: Actor;
}

export class RecipeRef extends WorkspaceScoped {
  @IsString()
  @MaxLength(64)
  id: string;
}

/** The definition is checked by the engine's `validateRecipe` (422 with JSON pointers), not here. */
export class CreateRecipeRequest extends WorkspaceScoped {
  @IsObject()
  definition: Record<string, unknown>;
}

export class UpdateRecipeRequest extends RecipeRef {
  @IsObject()
  definition: Record<string, unknown>;
}

export class ListRecipesRequest extends WorkspaceScoped {
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(PAGE_MAX)
  limit?: number;

  @IsOptional()
  @Matches(RECIPE_ID_RE)
  cursor?: string;
}

export class RecipeMisfire {
  @ApiProperty({ description: 'When the scheduler found the missed ticks' })
  @IsISO8601()
  at: string;

  @ApiProperty({ description: 'Missed ticks dropped by the misfire policy' })
  @IsInt()
  @Min(0)
  skipped: number;

  @ApiProperty({ description: 'Missed ticks fired late (`misfire.policy: catchUp`)' })
  @IsInt()
  @Min(0)
  caughtUp: number;
}

/** Where a schedule or poll recipe stands on the scheduler. */
export class RecipeScheduleStatus {
  @ApiProperty({ description: 'False once the recipe is stopped (a poll keeps its cursor)' })
  @IsBoolean()
  enabled: boolean;

  @ApiPropertyOptional({ description: 'The next tick or poll; absent when disabled' })
  @IsOptional()
  @IsISO8601()
  nextFireAt?: string;

  @ApiPropertyOptional({ description: 'The scheduled instant of the last tick fired' })
  @IsOptional()
  @IsISO8601()
  lastFireAt?: string;

  @ApiProperty({ description: 'How far the scheduler is behind: now minus a due `nextFireAt`, 0 when on time, ms' })
  @IsInt()
  @Min(0)
  lagMs: number;

  @ApiPropertyOptional({ type: RecipeMisfire, description: 'The last time ticks were skipped or caught up after the scheduler was down' })
  @IsOptional()
  @ValidateNested()
  @Type(() => RecipeMisfire)
  lastMisfire?: RecipeMisfire;
}

export class RecipeView {
  @ApiProperty({ example: 'rcp_01JF8Z5Q3V7X9B2C4D6E8G0H2M' })
  @IsString()
  id: string;

  @ApiProperty()
  @IsString()
  name: string;

  @ApiProperty({ description: 'Latest version; PUT makes a new one' })
  @IsInt()
  @Min(1)
  version: number;

  @ApiProperty({ enum: RECIPE_STATES })
  @IsIn(RECIPE_STATES)
  state: RecipeState;

  @ApiPropertyOptional({ description: 'The version the recipe runs (set by start)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  activeVersion?: number;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The recipe (PRODUCT.md §3) of `version`' })
  @IsObject()
  definition: Record<string, unknown>;

  @ApiPropertyOptional({ example: '/hooks/9vQ…', description: 'Set once a webhook recipe has been started' })
  @IsOptional()
  @IsString()
  webhookUrl?: string;

  @ApiPropertyOptional({ type: RecipeScheduleStatus, description: 'Schedule and poll recipes, on GET /v1/recipes/:id' })
  @IsOptional()
  @ValidateNested()
  @Type(() => RecipeScheduleStatus)
  schedule?: RecipeScheduleStatus;

  @ApiProperty()
  @IsISO8601()
  createdAt: string;

  @ApiProperty()
  @IsISO8601()
  updatedAt: string;
}

export class RecipeList {
  @ApiProperty({ type: [RecipeView] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => RecipeView)
  items: RecipeView[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  nextCursor?: string;
}

export class RecipeDeleted {
  @ApiProperty()
  @Allow()
  deleted: boolean;
}

export const CreateRecipe = defineRpc('executor.recipe-create.v1', CreateRecipeRequest, RecipeView);
export const UpdateRecipe = defineRpc('executor.recipe-update.v1', UpdateRecipeRequest, RecipeView);
export const GetRecipe = defineRpc('executor.recipe-get.v1', RecipeRef, RecipeView);
export const ListRecipes = defineRpc('executor.recipe-list.v1', ListRecipesRequest, RecipeList);
export const DeleteRecipe = defineRpc('executor.recipe-delete.v1', RecipeRef, RecipeDeleted);
export const StartRecipe = defineRpc('executor.recipe-start.v1', RecipeRef, RecipeView);
export const StopRecipe = defineRpc('executor.recipe-stop.v1', RecipeRef, RecipeView);
