import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ulid } from 'ulid';
import {
  HookChanged,
  PAGE_MAX,
  type CreateRecipeRequest,
  type GetRecipeRequest,
  type ListRecipesRequest,
  type Recipe,
  type RecipeDeleted,
  type RecipeList,
  type RecipeRef,
  type Actor,
  type RecipeVersionList,
  type RecipeVersionSummary,
  type RecipeVersionRef,
  type RecipeVersionView,
  type RecipeView,
  type StartRecipeRequest,
  type ResolveTriggerRequest,
  type TriggerTarget,
  type UpdateRecipeRequest,
} from '@junction/executor/contracts';
import { RecipeNameTakenError, RecipeRepository, type RecipeRow, type VersionAuthor } from '@junction/executor/data-access';
import { validateRecipe } from '@junction/executor/domain';
import { MESSAGE_BUS, RemoteError, SIGNAL_BUS, type MessageBus, type SignalBus } from '@junction/platform/ports';
import { ConnectionRefsResolver } from './connection-refs';
import { ConnectorHooks } from './connector-hooks';
import { ExecutorAudit } from './executor-audit';
import { ActionInputCheck } from './literal-input';
import { RecipeCatalog } from './recipe-catalog';
import { RecipeSchedules } from './recipe-schedules';
import { toRecipeView } from './views';

/** Recipes: immutable versions (every PUT adds one), start/stop, and what a hook or API run reaches. */
@Injectable()
export class RecipeService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schedules: RecipeSchedules,
    private readonly hooks: ConnectorHooks,
    private readonly audit: ExecutorAudit,
    private readonly catalog: RecipeCatalog,
    private readonly connections: ConnectionRefsResolver,
    @Inject(SIGNAL_BUS) private readonly signals: SignalBus,
    @Inject(MESSAGE_BUS) bus: MessageBus,
  ) {
    this.inputs = new ActionInputCheck(bus);
  }

  private readonly inputs: ActionInputCheck;

  /** The schema and engine rules, then each action input's literal parts against its action's schema: every error in one 422. */
  private async checked(workspaceId: string, definition: Record<string, unknown>): Promise<Recipe> {
    const recipe = checked(definition);
    const errors = await this.inputs.errors(workspaceId, recipe);
    if (errors.length > 0) throw new RemoteError('unprocessable', `the recipe is invalid (${errors.length} error${errors.length === 1 ? '' : 's'})`, errors);
    return recipe;
  }

  /** Connection names in the definition are stored as ids; a name another recipe of the workspace has is a 409. */
  async create(request: CreateRecipeRequest): Promise<RecipeView> {
    const recipe = await this.checked(request.workspaceId, request.definition);
    const definition = await this.connections.resolve(request.workspaceId, request.definition);
    const recipes = new RecipeRepository(this.dataSource.manager);
    await assertNameFree(recipes, request.workspaceId, recipe.name);
    const row = await conflictOnTakenName(() =>
      this.dataSource.transaction((em) =>
        new RecipeRepository(em).create({
          workspaceId: request.workspaceId,
          id: `rcp_${ulid()}`,
          name: recipe.name,
          definition,
          managedBy: request.managedBy,
          createdBy: request.actor,
        }),
      ),
    );
    await this.audit.record(request, 'recipe.created', { type: 'recipe', id: row.id }, { name: recipe.name, version: 1, ...(row.managedBy ? { managedBy: row.managedBy } : {}) });
    return toRecipeView(row, definition);
  }

  async update(request: UpdateRecipeRequest): Promise<RecipeView> {
    const recipe = await this.checked(request.workspaceId, request.definition);
    const definition = await this.connections.resolve(request.workspaceId, request.definition);
    await assertNameFree(new RecipeRepository(this.dataSource.manager), request.workspaceId, recipe.name, request.id);
    const row = await conflictOnTakenName(() =>
      this.dataSource.transaction((em) =>
        new RecipeRepository(em).addVersion({
          workspaceId: request.workspaceId,
          id: request.id,
          name: recipe.name,
          definition,
          managedBy: request.managedBy,
          createdBy: request.actor,
        }),
      ),
    );
    if (!row) throw notFound(request.id);
    await this.audit.record(
      request,
      'recipe.updated',
      { type: 'recipe', id: row.id },
      { name: recipe.name, version: row.version, ...(request.managedBy !== undefined ? { managedBy: request.managedBy } : {}) },
    );
    return toRecipeView(row, definition);
  }

  async get(ref: GetRecipeRequest): Promise<RecipeView> {
    const recipes = new RecipeRepository(this.dataSource.manager);
    const row = await recipes.find(ref);
    if (!row) throw notFound(ref.id);
    const definition = (await recipes.definition(row.id, row.version)) ?? {};
    const view = toRecipeView(row, ref.references === 'names' ? (await this.connections.named(row.workspaceId, [definition]))[0] : definition);
    // the schedule runs the active version's trigger, which may differ from the latest version's
    const active = await this.activeDefinition(row);
    const schedule = active ? await this.schedules.status(row.workspaceId, row.id, active) : undefined;
    return schedule ? { ...view, schedule } : view;
  }

  /** Every version, newest first; `active` marks the one a running recipe runs. */
  async versions(ref: RecipeRef): Promise<RecipeVersionList> {
    const recipes = new RecipeRepository(this.dataSource.manager);
    const row = await recipes.find(ref);
    if (!row) throw notFound(ref.id);
    const versions = await recipes.versions(row.id);
    return { items: versions.map((v) => versionSummary(row, v)) };
  }

  async version(ref: RecipeVersionRef): Promise<RecipeVersionView> {
    const recipes = new RecipeRepository(this.dataSource.manager);
    const row = await recipes.find(ref);
    if (!row) throw notFound(ref.id);
    const found = await recipes.version(row.id, ref.version);
    if (!found) throw versionNotFound(ref.id, ref.version);
    return { ...versionSummary(row, found), definition: found.definition };
  }

  async list(request: ListRecipesRequest): Promise<RecipeList> {
    const limit = request.limit ?? 50;
    const rows = await new RecipeRepository(this.dataSource.manager).list({
      workspaceId: request.workspaceId,
      limit: Math.min(limit, PAGE_MAX) + 1,
      cursor: request.cursor,
      name: request.name,
      managedBy: request.managedBy,
    });
    const page = rows.slice(0, limit);
    const definitions = page.map((r) => r.definition);
    const shown = request.references === 'names' ? await this.connections.named(request.workspaceId, definitions) : definitions;
    return { items: page.map((r, i) => toRecipeView(r.recipe, shown[i])), ...(rows.length > limit ? { nextCursor: page[page.length - 1].recipe.id } : {}) };
  }

  async delete(ref: RecipeRef): Promise<RecipeDeleted> {
    const recipes = new RecipeRepository(this.dataSource.manager);
    const row = await recipes.find(ref);
    if (!row) throw notFound(ref.id);
    if (row.state === 'running') await this.retire(row, 'remove');
    // a stopped schedule or poll keeps its (disabled) row and cursor until the recipe goes
    else await this.schedules.removed(row.workspaceId, row.id, await this.activeDefinition(row));
    if (!(await recipes.softDelete(ref))) throw notFound(ref.id);
    await this.hookChanged(row.hookId);
    await this.audit.record(ref, 'recipe.deleted', { type: 'recipe', id: row.id });
    return { deleted: true };
  }

  /**
   * Runs the latest version. Its trigger is set up outside first (schedule or poll with the
   * scheduler, a connector webhook with its provider), so a failure there leaves the recipe as it
   * was. A webhook recipe gets its unguessable hook id once and keeps it.
   */
  /** Runs `ref.version` (a rollback to an older one) or, without it, the latest. */
  async start(ref: StartRecipeRequest): Promise<RecipeView> {
    const hookIds: (string | null | undefined)[] = [];
    const view = await this.dataSource.transaction(async (em) => {
      const recipes = new RecipeRepository(em);
      const row = await recipes.find(ref, true);
      if (!row) throw notFound(ref.id);
      const version = ref.version ?? row.version;
      const definition = await recipes.definition(row.id, version);
      if (!definition) throw versionNotFound(ref.id, version);
      const recipe = definition as unknown as Recipe;
      // a schedule or poll is replaced by the upsert below (keeping a poll cursor); a version without one drops the old schedule
      const scheduled = recipe.trigger.type === 'schedule' || recipe.trigger.type === 'poll';
      if (row.state === 'running') await this.retire(row, scheduled ? 'keep' : 'remove');
      else if (!scheduled) await this.schedules.removed(row.workspaceId, row.id, await this.activeDefinition(row));
      const hookId = recipe.trigger.type === 'webhook' ? (row.hookId ?? randomBytes(24).toString('base64url')) : undefined;
      hookIds.push(row.hookId, hookId);
      await this.schedules.started(ref.workspaceId, row.id, recipe);
      const hookExternalId = hookId ? await this.hooks.enable(ref.workspaceId, recipe, hookId) : undefined;
      const started = await recipes.setRunState({ ...ref, state: 'running', activeVersion: version, hookId, hookExternalId: hookExternalId ?? null });
      // the view shows the latest version's definition, as `version` names the latest
      const latest = version === row.version ? definition : ((await recipes.definition(row.id, row.version)) ?? {});
      return toRecipeView(started ?? row, latest);
    });
    await this.hookChanged(...hookIds);
    await this.audit.record(ref, 'recipe.started', { type: 'recipe', id: view.id }, { version: view.activeVersion });
    return view;
  }

  async stop(ref: RecipeRef): Promise<RecipeView> {
    let hookId: string | null | undefined;
    const view = await this.dataSource.transaction(async (em) => {
      const recipes = new RecipeRepository(em);
      const current = await recipes.find(ref, true);
      if (!current) throw notFound(ref.id);
      hookId = current.hookId;
      if (current.state === 'running') await this.retire(current, 'disable');
      const row = await recipes.setRunState({ ...ref, state: 'stopped', hookExternalId: null });
      if (!row) throw notFound(ref.id);
      return toRecipeView(row, (await recipes.definition(row.id, row.version)) ?? {});
    });
    await this.hookChanged(hookId);
    await this.audit.record(ref, 'recipe.stopped', { type: 'recipe', id: view.id });
    return view;
  }

  /**
   * Tells every gateway to forget its cached lookup of these hooks, once the change is committed
   * (a gateway asking again must see it). Best effort: a gateway that misses it expires the entry
   * within its HOOK_CACHE_TTL_MS.
   */
  private async hookChanged(...hookIds: (string | null | undefined)[]): Promise<void> {
    for (const hookId of new Set(hookIds)) if (hookId) await this.signals.emit(HookChanged, { hookId });
  }

  private async activeDefinition(row: RecipeRow): Promise<Recipe | undefined> {
    if (!row.activeVersion) return undefined;
    return (await new RecipeRepository(this.dataSource.manager).definition(row.id, row.activeVersion)) as Recipe | undefined;
  }

  /**
   * Tears down what the active version's trigger set up outside. Its schedule is kept (the next
   * version's upsert replaces it), disabled (stop: a poll cursor survives) or removed (delete).
   */
  private async retire(row: RecipeRow, schedule: 'keep' | 'disable' | 'remove'): Promise<void> {
    if (!row.activeVersion) return;
    const active = await this.activeDefinition(row);
    if (schedule === 'disable') await this.schedules.stopped(row.workspaceId, row.id, active);
    if (schedule === 'remove') await this.schedules.removed(row.workspaceId, row.id, active);
    await this.hooks.disable(row.workspaceId, active, row.hookExternalId);
  }

  /** What the gateway's ingress reaches: the active version's trigger, or `not_found`. */
  async resolve(request: ResolveTriggerRequest): Promise<TriggerTarget> {
    const recipes = new RecipeRepository(this.dataSource.manager);
    let row;
    if (request.hookId !== undefined && request.recipeId === undefined) row = await recipes.findByHook(request.hookId);
    else if (request.hookId === undefined && request.recipeId !== undefined && request.workspaceId !== undefined)
      row = await recipes.find({ workspaceId: request.workspaceId, id: request.recipeId });
    else throw new RemoteError('invalid_request', 'give either hookId, or workspaceId and recipeId');
    if (!row) throw new RemoteError('not_found', 'no such hook or recipe');
    const version = row.activeVersion ?? row.version;
    // versions never change: the catalog's parsed copy (shared with the job driver) saves a read per lookup
    const definition = await this.catalog.get(row.id, version);
    if (!definition) throw new RemoteError('not_found', 'no such hook or recipe');
    return {
      workspaceId: row.workspaceId,
      recipeId: row.id,
      recipeVersion: version,
      state: row.state,
      trigger: definition.trigger as unknown as Record<string, unknown>,
    };
  }
}

function checked(definition: Record<string, unknown>): Recipe {
  const result = validateRecipe(definition);
  if (!result.ok) throw new RemoteError('unprocessable', `the recipe is invalid (${result.errors.length} error${result.errors.length === 1 ? '' : 's'})`, result.errors);
  return result.recipe;
}

/** Recipes in git are applied by name, so a name is unique among the workspace's recipes (a deleted one frees it). */
async function assertNameFree(recipes: RecipeRepository, workspaceId: string, name: string, self?: string): Promise<void> {
  const taken = await recipes.findByName({ workspaceId, name });
  if (taken && taken.id !== self) throw nameTaken(name, taken.id);
}

function nameTaken(name: string, id?: string): RemoteError {
  const message = `a recipe named ${JSON.stringify(name)} already exists${id ? ` (${id})` : ''}`;
  return new RemoteError('conflict', `${message} in this workspace`, [{ path: '/name', message }]);
}

/** A concurrent writer that took the name first: the unique index answers, as a 409 too. */
async function conflictOnTakenName<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof RecipeNameTakenError) throw nameTaken(error.recipeName);
    throw error;
  }
}

function notFound(id: string): RemoteError {
  return new RemoteError('not_found', `recipe ${id} not found`);
}

function versionNotFound(id: string, version: number): RemoteError {
  return new RemoteError('not_found', `recipe ${id} has no version ${version}`);
}

/** `active`: the version a running recipe runs; `createdBy` absent for versions made before it was kept. */
function versionSummary(row: RecipeRow, v: { version: number; createdAt: Date; createdBy: VersionAuthor | null }): RecipeVersionSummary {
  return {
    version: v.version,
    createdAt: new Date(v.createdAt).toISOString(),
    active: row.state === 'running' && row.activeVersion === v.version,
    ...(v.createdBy ? { createdBy: { type: v.createdBy.type as Actor['type'], id: v.createdBy.id } } : {}),
  };
}
