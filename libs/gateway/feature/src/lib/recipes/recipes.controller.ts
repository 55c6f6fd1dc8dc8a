import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { CreateRecipe, DeleteRecipe, GetRecipe, ListRecipes, RecipeDeleted, RecipeList, RecipeView, StartRecipe, StopRecipe, UpdateRecipe } from '@junction/executor/contracts';
import { Problems } from '@junction/platform/http';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { CurrentPrincipal, type Principal } from '../shared/principal';
import { scopeOf } from './executor-scope';
import { ListRecipesQuery } from './recipes.dto';
import { RecipeId } from '../shared/id-param';

const RECIPE_BODY = { schema: { type: 'object', description: 'A recipe (trigger, steps, settings); see the recipe format' } } as const;

/** Recipes, kept and run by the executor; the definition is validated there (422 with JSON pointers). */
@ApiTags('recipes')
@ApiBearerAuth()
@Controller('v1/recipes')
export class RecipesController {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  @Post()
  @ApiOperation({ summary: 'Create a recipe (version 1, stopped)' })
  @ApiBody(RECIPE_BODY)
  @ApiCreatedResponse({ type: RecipeView })
  @ApiUnprocessableEntityResponse({ description: 'Invalid definition: `errors` lists each error with its JSON pointer' })
  create(@CurrentPrincipal() principal: Principal, @Body() body: Record<string, unknown>): Promise<RecipeView> {
    return this.bus.request(CreateRecipe, { ...scopeOf(principal), definition: definitionOf(body) });
  }

  @Get()
  @ApiOperation({ summary: 'Recipes of the workspace, newest first, cursor-paginated' })
  @ApiOkResponse({ type: RecipeList })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListRecipesQuery): Promise<RecipeList> {
    return this.bus.request(ListRecipes, { workspaceId: principal.workspaceId, ...query });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One recipe, its latest version' })
  @ApiOkResponse({ type: RecipeView })
  get(@CurrentPrincipal() principal: Principal, @RecipeId() id: string): Promise<RecipeView> {
    return this.bus.request(GetRecipe, { workspaceId: principal.workspaceId, id });
  }

  @Put(':id')
  @ApiOperation({ summary: 'Replace the definition: a new immutable version (a running recipe keeps its version until started again)' })
  @ApiBody(RECIPE_BODY)
  @ApiOkResponse({ type: RecipeView })
  @ApiUnprocessableEntityResponse({ description: 'Invalid definition: `errors` lists each error with its JSON pointer' })
  update(@CurrentPrincipal() principal: Principal, @RecipeId() id: string, @Body() body: Record<string, unknown>): Promise<RecipeView> {
    return this.bus.request(UpdateRecipe, { ...scopeOf(principal), id, definition: definitionOf(body) });
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a recipe (its jobs stay)' })
  @ApiOkResponse({ type: RecipeDeleted })
  delete(@CurrentPrincipal() principal: Principal, @RecipeId() id: string): Promise<RecipeDeleted> {
    return this.bus.request(DeleteRecipe, { ...scopeOf(principal), id });
  }

  @Post(':id/start')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run the latest version; a webhook recipe reports its `webhookUrl`' })
  @ApiOkResponse({ type: RecipeView })
  start(@CurrentPrincipal() principal: Principal, @RecipeId() id: string): Promise<RecipeView> {
    return this.bus.request(StartRecipe, { ...scopeOf(principal), id });
  }

  @Post(':id/stop')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop: its hook answers 404; jobs already accepted still run' })
  @ApiOkResponse({ type: RecipeView })
  stop(@CurrentPrincipal() principal: Principal, @RecipeId() id: string): Promise<RecipeView> {
    return this.bus.request(StopRecipe, { ...scopeOf(principal), id });
  }
}

// the body is the recipe itself, checked by the engine's schema (paths as JSON pointers), not by a DTO
function definitionOf(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw Problems.validation([{ path: '', message: 'the body must be a JSON object (a recipe)' }]);
  return body as Record<string, unknown>;
}
