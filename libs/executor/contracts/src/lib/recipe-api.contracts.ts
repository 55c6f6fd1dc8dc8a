import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Allow, IsArray, IsBoolean, IsIn, IsInt, IsISO8601, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import { defineRpc } from '@junction/platform/ports';

export const RECIPE_ID_RE = /^rcp_[0-9A-HJKMNP-TV-Z]{26}$/;
export const JOB_ID_RE = /^job_[0-9A-HJKMNP-TV-Z]{26}$/;
export const RECIPE_STATES = ['stopped', 'running'] as const;
export type RecipeState = (typeof RECIPE_STATES)[number];
export const PAGE_MAX = 100;
/** A `managedBy` marker: 1–100 printable ASCII characters, e.g. `junction-cli` or `cli:<directory id>`. */
export const MANAGED_BY_RE = /^[\x21-\x7e][\x20-\x7e]{0,99}$/;
/** How connections appear in an answer's definitions: as stored (ids), or by their current names (export). */
export const RECIPE_REFERENCES = ['ids', 'names'] as const;
export type RecipeReferences = (typeof RECIPE_REFERENCES)[number];

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

/** Versions are numbered from 1 (an int column); the bound keeps a malformed number from the database. */
export const RECIPE_VERSION_MAX = 2_147_483_647;

/** `version` absent: start the latest; present: run that immutable version (a rollback). */
export class StartRecipeRequest extends RecipeRef {
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(RECIPE_VERSION_MAX)
  version?: number;
}

/** `references=names`: the definition names its connections instead of giving their ids. */
export class GetRecipeRequest extends RecipeRef {
  @IsOptional()
  @IsIn(RECIPE_REFERENCES)
  references?: RecipeReferences;
}

/**
 * The definition is checked by the engine's `validateRecipe` (422 with JSON pointers), not here.
 * Its `connection` fields may give a connection's id or its name (resolved to the id before the
 * version is stored). `managedBy` marks who applied it; it is not part of the definition.
 */
export class CreateRecipeRequest extends WorkspaceScoped {
  @IsObject()
  definition: Record<string, unknown>;

  @IsOptional()
  @Matches(MANAGED_BY_RE)
  managedBy?: string;
}

/** `managedBy`: absent keeps the marker, null clears it. */
export class UpdateRecipeRequest extends RecipeRef {
  @IsObject()
  definition: Record<string, unknown>;

  @ValidateIf((_, value) => value !== undefined && value !== null)
  @Matches(MANAGED_BY_RE)
  managedBy?: string | null;
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

  /** Exact name (names are unique in a workspace). */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @IsOptional()
  @Matches(MANAGED_BY_RE)
  managedBy?: string;

  @IsOptional()
  @IsIn(RECIPE_REFERENCES)
  references?: RecipeReferences;
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

  @ApiPropertyOptional({ example: 'junction-cli', description: 'Who applied the recipe (set on create/update); absent for recipes made in the console or API' })
  @IsOptional()
  @Matches(MANAGED_BY_RE)
  managedBy?: string;

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
export const GetRecipe = defineRpc('executor.recipe-get.v1', GetRecipeRequest, RecipeView);
export const ListRecipes = defineRpc('executor.recipe-list.v1', ListRecipesRequest, RecipeList);
export const DeleteRecipe = defineRpc('executor.recipe-delete.v1', RecipeRef, RecipeDeleted);
export const StartRecipe = defineRpc('executor.recipe-start.v1', StartRecipeRequest, RecipeView);
export const StopRecipe = defineRpc('executor.recipe-stop.v1', RecipeRef, RecipeView);
