import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Put, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import {
  CreateRecipe,
  DeleteRecipe,
  GetRecipe,
  GetRecipeVersion,
  ListRecipes,
  ListRecipeVersions,
  MANAGED_BY_RE,
  RecipeDeleted,
  RecipeList,
  RecipeVersionList,
  RecipeVersionView,
  RecipeView,
  StartRecipe,
  StopRecipe,
  UpdateRecipe,
} from '@junction/executor/contracts';
import { Problems } from '@junction/platform/http';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { CurrentPrincipal, type Principal } from '../shared/principal';
import { scopeOf } from './executor-scope';
import { GetRecipeQuery, ListRecipesQuery, StartRecipeBody } from './recipes.dto';
import { RecipeVersion } from './version-param';
import { RecipeId } from '../shared/id-param';
import { IdempotentCreate } from '../idempotency/idempotent-create';

const RECIPE_BODY = {
  schema: {
    type: 'object',
    description:
      'A recipe (trigger, steps, settings); see the recipe format. A `connection` field takes a connection id or its name (resolved in the workspace; ' +
      'the version stores the id). Beside the recipe, an optional `managedBy` string (1–100 printable characters, e.g. `junction-cli`) marks who applied it: ' +
      'not part of the definition nor versioned; on PUT, absent keeps it and `null` clears it.',
    properties: { managedBy: { type: 'string', nullable: true, maxLength: 100, example: 'junction-cli' } },
  },
} as const;
const NAME_TAKEN = { description: 'Another recipe of the workspace has this name: `errors` names `/name`' } as const;
const INVALID = { description: 'Invalid definition, or a connection name unknown in the workspace: `errors` lists each error with its JSON pointer' } as const;

/** Recipes, kept and run by the executor; the definition is validated there (422 with JSON pointers). */
@ApiTags('recipes')
@ApiBearerAuth()
@Controller('v1/recipes')
export class RecipesController {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  @Post()
  @IdempotentCreate({ owner: 'executor' })
  @ApiOperation({ summary: 'Create a recipe (version 1, stopped)' })
  @ApiBody(RECIPE_BODY)
  @ApiCreatedResponse({ type: RecipeView })
  @ApiUnprocessableEntityResponse(INVALID)
  @ApiConflictResponse(NAME_TAKEN)
  create(@CurrentPrincipal() principal: Principal, @Body() body: Record<string, unknown>): Promise<RecipeView> {
    const { definition, managedBy } = recipeBodyOf(body);
    if (managedBy === null) throw Problems.validation([{ path: '/managedBy', message: 'must be a string (null only clears it on PUT)' }]);
    return this.bus.request(CreateRecipe, { ...scopeOf(principal), definition, ...(managedBy !== undefined ? { managedBy } : {}) });
  }

  @Get()
  @ApiOperation({ summary: 'Recipes of the workspace, newest first, cursor-paginated; filtered by exact `name` or `managedBy`' })
  @ApiOkResponse({ type: RecipeList })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListRecipesQuery): Promise<RecipeList> {
    return this.bus.request(ListRecipes, { workspaceId: principal.workspaceId, ...query });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One recipe, its latest version' })
  @ApiOkResponse({ type: RecipeView })
  get(@CurrentPrincipal() principal: Principal, @RecipeId() id: string, @Query() query: GetRecipeQuery): Promise<RecipeView> {
    return this.bus.request(GetRecipe, { workspaceId: principal.workspaceId, id, ...query });
  }

  @Get(':id/versions')
  @ApiOperation({ summary: 'Every version of a recipe, newest first (number, when it was made, whether it is the one running)' })
  @ApiOkResponse({ type: RecipeVersionList })
  versions(@CurrentPrincipal() principal: Principal, @RecipeId() id: string): Promise<RecipeVersionList> {
    return this.bus.request(ListRecipeVersions, { workspaceId: principal.workspaceId, id });
  }

  @Get(':id/versions/:v')
  @ApiOperation({ summary: 'One version of a recipe with its definition as stored' })
  @ApiOkResponse({ type: RecipeVersionView })
  @ApiNotFoundResponse({ description: 'No such recipe in the workspace, or no such version' })
  version(@CurrentPrincipal() principal: Principal, @RecipeId() id: string, @RecipeVersion() version: number): Promise<RecipeVersionView> {
    return this.bus.request(GetRecipeVersion, { workspaceId: principal.workspaceId, id, version });
  }

  @Put(':id')
  @ApiOperation({ summary: 'Replace the definition: a new immutable version (a running recipe keeps its version until started again)' })
  @ApiBody(RECIPE_BODY)
  @ApiOkResponse({ type: RecipeView })
  @ApiUnprocessableEntityResponse(INVALID)
  @ApiConflictResponse(NAME_TAKEN)
  update(@CurrentPrincipal() principal: Principal, @RecipeId() id: string, @Body() body: Record<string, unknown>): Promise<RecipeView> {
    const { definition, managedBy } = recipeBodyOf(body);
    return this.bus.request(UpdateRecipe, { ...scopeOf(principal), id, definition, ...(managedBy !== undefined ? { managedBy } : {}) });
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a recipe (its jobs stay)' })
  @ApiOkResponse({ type: RecipeDeleted })
  delete(@CurrentPrincipal() principal: Principal, @RecipeId() id: string): Promise<RecipeDeleted> {
    return this.bus.request(DeleteRecipe, { ...scopeOf(principal), id });
  }

  @Post(':id/start')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run the latest version, or `{ "version": n }` to run (roll back to) that one; a webhook recipe reports its `webhookUrl`' })
  @ApiBody({ type: StartRecipeBody, required: false })
  @ApiOkResponse({ type: RecipeView })
  @ApiNotFoundResponse({ description: 'No such recipe in the workspace, or no such version' })
  start(@CurrentPrincipal() principal: Principal, @RecipeId() id: string, @Body() body: StartRecipeBody): Promise<RecipeView> {
    return this.bus.request(StartRecipe, { ...scopeOf(principal), id, ...(body?.version ? { version: body.version } : {}) });
  }

  @Post(':id/stop')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop: its hook answers 404; jobs already accepted still run' })
  @ApiOkResponse({ type: RecipeView })
  stop(@CurrentPrincipal() principal: Principal, @RecipeId() id: string): Promise<RecipeView> {
    return this.bus.request(StopRecipe, { ...scopeOf(principal), id });
  }
}

/**
 * The body is the recipe itself, checked by the engine's schema (paths as JSON pointers), not by
 * a DTO; `managedBy` beside it is the resource's marker, taken out before the definition is checked.
 */
function recipeBodyOf(body: unknown): { definition: Record<string, unknown>; managedBy?: string | null } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw Problems.validation([{ path: '', message: 'the body must be a JSON object (a recipe)' }]);
  const { managedBy, ...definition } = body as Record<string, unknown>;
  if (managedBy === undefined || managedBy === null) return { definition, managedBy };
  if (typeof managedBy !== 'string' || !MANAGED_BY_RE.test(managedBy)) {
    throw Problems.validation([{ path: '/managedBy', message: 'must be 1 to 100 printable ASCII characters, or null to clear it' }]);
  }
  return { definition, managedBy };
}
