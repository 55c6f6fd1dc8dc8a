import { Injectable } from '@nestjs/common';
import {
  AwaitRun,
  CancelJob,
  CreateRecipe,
  DeleteRecipe,
  GetJob,
  GetRecipe,
  ListJobs,
  ListRecipes,
  RerunJob,
  RerunJobs,
  type RerunJobRequest,
  type RerunJobsRequest,
  type RerunJobsResult,
  type RerunResult,
  ResolveTrigger,
  StartRecipe,
  ListRecipeVersions,
  GetRecipeVersion,
  type StartRecipeRequest,
  type RecipeVersionList,
  type RecipeVersionRef,
  type RecipeVersionView,
  StopRecipe,
  UpdateRecipe,
  GetWorkspaceSettings,
  PutWorkspaceSettings,
  type PutWorkspaceSettingsRequest,
  type WorkspaceSettingsView,
  type AwaitRunRequest,
  type CreateRecipeRequest,
  type GetRecipeRequest,
  type JobList,
  type JobRef,
  type JobSummary,
  type JobView,
  type ListJobsRequest,
  type ListRecipesRequest,
  type RecipeDeleted,
  type RecipeList,
  type RecipeRef,
  type RecipeView,
  type ResolveTriggerRequest,
  type RunOutcome,
  type TriggerTarget,
  type UpdateRecipeRequest,
} from '@junction/executor/contracts';
import { OnRequest } from '@junction/platform/messaging';
import { JobService } from './job.service';
import { RecipeService } from './recipe.service';
import { WorkspaceSettingsService } from './workspace-settings.service';

/** The executor's request/reply subjects: thin bindings to the recipe and job services. */
@Injectable()
export class ExecutorHandlers {
  constructor(
    private readonly recipes: RecipeService,
    private readonly jobs: JobService,
    private readonly settings: WorkspaceSettingsService,
  ) {}

  @OnRequest(GetWorkspaceSettings)
  getWorkspaceSettings(request: { workspaceId: string }): Promise<WorkspaceSettingsView> {
    return this.settings.get(request);
  }

  @OnRequest(PutWorkspaceSettings)
  putWorkspaceSettings(request: PutWorkspaceSettingsRequest): Promise<WorkspaceSettingsView> {
    return this.settings.put(request);
  }

  @OnRequest(CreateRecipe)
  createRecipe(request: CreateRecipeRequest): Promise<RecipeView> {
    return this.recipes.create(request);
  }

  @OnRequest(UpdateRecipe)
  updateRecipe(request: UpdateRecipeRequest): Promise<RecipeView> {
    return this.recipes.update(request);
  }

  @OnRequest(GetRecipe)
  getRecipe(request: GetRecipeRequest): Promise<RecipeView> {
    return this.recipes.get(request);
  }

  @OnRequest(ListRecipes)
  listRecipes(request: ListRecipesRequest): Promise<RecipeList> {
    return this.recipes.list(request);
  }

  @OnRequest(DeleteRecipe)
  deleteRecipe(request: RecipeRef): Promise<RecipeDeleted> {
    return this.recipes.delete(request);
  }

  @OnRequest(StartRecipe)
  startRecipe(request: StartRecipeRequest): Promise<RecipeView> {
    return this.recipes.start(request);
  }

  @OnRequest(ListRecipeVersions)
  listRecipeVersions(request: RecipeRef): Promise<RecipeVersionList> {
    return this.recipes.versions(request);
  }

  @OnRequest(GetRecipeVersion)
  getRecipeVersion(request: RecipeVersionRef): Promise<RecipeVersionView> {
    return this.recipes.version(request);
  }

  @OnRequest(StopRecipe)
  stopRecipe(request: RecipeRef): Promise<RecipeView> {
    return this.recipes.stop(request);
  }

  @OnRequest(ResolveTrigger)
  resolveTrigger(request: ResolveTriggerRequest): Promise<TriggerTarget> {
    return this.recipes.resolve(request);
  }

  @OnRequest(ListJobs)
  listJobs(request: ListJobsRequest): Promise<JobList> {
    return this.jobs.list(request);
  }

  @OnRequest(GetJob)
  getJob(request: JobRef): Promise<JobView> {
    return this.jobs.get(request);
  }

  @OnRequest(RerunJob)
  rerunJob(request: RerunJobRequest): Promise<RerunResult> {
    return this.jobs.rerun(request);
  }

  @OnRequest(RerunJobs)
  rerunJobs(request: RerunJobsRequest): Promise<RerunJobsResult> {
    return this.jobs.rerunMany(request);
  }

  @OnRequest(CancelJob)
  cancelJob(request: JobRef): Promise<JobSummary> {
    return this.jobs.cancel(request);
  }

  @OnRequest(AwaitRun)
  awaitRun(request: AwaitRunRequest): Promise<RunOutcome> {
    return this.jobs.await(request);
  }
}
