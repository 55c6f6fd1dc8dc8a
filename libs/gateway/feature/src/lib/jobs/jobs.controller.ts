import { Body, Controller, Get, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CancelJob, GetJob, JobList, JobSummary, JobView, ListJobs, RerunJob, RerunJobs, RerunJobsResult, RerunResult } from '@junction/executor/contracts';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { scopeOf } from '../recipes/executor-scope';
import { CurrentPrincipal, type Principal } from '../shared/principal';
import { ListJobsQuery, RerunJobBody, RerunJobsBody } from './jobs.dto';
import { JobId } from '../shared/id-param';
import { IdempotentCreate } from '../idempotency/idempotent-create';

/** Job history and operations, answered by the executor. */
@ApiTags('jobs')
@ApiBearerAuth()
@Controller('v1/jobs')
export class JobsController {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  @Get()
  @ApiOperation({ summary: 'Jobs of the workspace, newest first, filtered and cursor-paginated' })
  @ApiOkResponse({ type: JobList })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListJobsQuery): Promise<JobList> {
    return this.bus.request(ListJobs, { workspaceId: principal.workspaceId, ...query });
  }

  @Get(':id')
  @ApiOperation({ summary: "One job with every step's input, output (secrets redacted), error, attempt and timings" })
  @ApiOkResponse({ type: JobView })
  get(@CurrentPrincipal() principal: Principal, @JobId() id: string): Promise<JobView> {
    return this.bus.request(GetJob, { workspaceId: principal.workspaceId, id });
  }

  @Post('rerun')
  @HttpCode(200)
  // creates jobs: a retried request must not rerun them twice
  @IdempotentCreate({ owner: 'executor' })
  @ApiOperation({ summary: "Rerun a recipe's failed jobs (newest first, at most `limit`), each like POST /v1/jobs/:id/rerun on the version asked for" })
  @ApiOkResponse({ type: RerunJobsResult })
  rerunMany(@CurrentPrincipal() principal: Principal, @Body() body: RerunJobsBody): Promise<RerunJobsResult> {
    return this.bus.request(RerunJobs, {
      ...scopeOf(principal),
      recipeId: body.recipeId,
      ...(body.version ? { version: body.version } : {}),
      ...(body.since ? { since: body.since } : {}),
      ...(body.limit ? { limit: body.limit } : {}),
      ...(body.cursor ? { cursor: body.cursor } : {}),
    });
  }

  @Post(':id/rerun')
  @HttpCode(200)
  @IdempotentCreate({ owner: 'executor' })
  @ApiOperation({
    summary: 'Run a failed job again from its failed step, on the version it ran (default) or the latest; the answer says which version and which completed steps were kept',
  })
  @ApiOkResponse({ type: RerunResult })
  @ApiConflictResponse({ description: 'The job is not failed, or the latest version cannot continue it (the reason says why)' })
  rerun(@CurrentPrincipal() principal: Principal, @JobId() id: string, @Body() body: RerunJobBody): Promise<RerunResult> {
    return this.bus.request(RerunJob, { ...scopeOf(principal), id, ...(body?.version ? { version: body.version } : {}) });
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a queued or running job' })
  @ApiOkResponse({ type: JobSummary })
  @ApiConflictResponse({ description: 'The job has already ended' })
  cancel(@CurrentPrincipal() principal: Principal, @JobId() id: string): Promise<JobSummary> {
    return this.bus.request(CancelJob, { ...scopeOf(principal), id });
  }
}
