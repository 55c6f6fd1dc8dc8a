import { Body, Controller, Headers, HttpCode, Inject, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AwaitRun } from '@junction/executor/contracts';
import { Problems } from '@junction/platform/http';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { CurrentPrincipal, type Principal } from '../shared/principal';
import { TriggerIngress } from './trigger-ingress.service';
import { RecipeId } from '../shared/id-param';
import { IdempotentCreate } from '../idempotency/idempotent-create';

const MAX_WAIT_MS = 120_000;

/** API-callable recipes: run now with a payload, optionally waiting for the result. */
@ApiTags('recipes')
@Controller('v1/recipes')
export class RunsController {
  constructor(
    private readonly ingress: TriggerIngress,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
  ) {}

  @Post(':id/runs')
  @HttpCode(202)
  // a key is held for the longest wait the route allows
  @IdempotentCreate({ owner: 'executor', leaseMs: MAX_WAIT_MS + 10_000 })
  @ApiOperation({ summary: 'Run a recipe now with this payload (durably accepted); ?wait=true returns its result or its respond step’s reply' })
  @ApiQuery({ name: 'wait', required: false, type: Boolean })
  @ApiQuery({ name: 'timeoutMs', required: false, type: Number })
  @ApiAcceptedResponse({ description: '{ runId, status: "accepted" | "pending" }' })
  @ApiOkResponse({ description: 'with wait=true: the respond step’s reply, or { jobId, status, output, error }' })
  async run(
    @CurrentPrincipal() principal: Principal,
    @RecipeId() recipeId: string,
    @Body() payload: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Query('wait') wait: string | undefined,
    @Query('timeoutMs') timeout: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    // the key was checked by IdempotentCreate; it also names the run, so a job is never started twice
    const timeoutMs = timeout === undefined ? 30_000 : Number(timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_WAIT_MS)
      throw Problems.validation([{ path: 'timeoutMs', message: `must be an integer from 1 to ${MAX_WAIT_MS}` }]);
    const accepted = await this.ingress.apiRun(principal.workspaceId, recipeId, payload, idempotencyKey);
    if (wait !== 'true') return { runId: accepted.dedupeKey, status: 'accepted', duplicate: accepted.duplicate };
    const outcome = await this.bus.request(AwaitRun, { workspaceId: principal.workspaceId, recipeId, dedupeKey: accepted.dedupeKey, timeoutMs }, { timeoutMs: timeoutMs + 5000 });
    if (outcome.status === 'pending' || outcome.status === 'queued' || outcome.status === 'running') {
      if (!outcome.reply) return { runId: accepted.dedupeKey, jobId: outcome.jobId, status: 'pending' };
    }
    if (outcome.reply) {
      res.status(outcome.reply.status);
      for (const [name, value] of Object.entries(outcome.reply.headers ?? {})) res.setHeader(name, value);
      return outcome.reply.body ?? '';
    }
    res.status(200);
    return { runId: accepted.dedupeKey, jobId: outcome.jobId, status: outcome.status, output: outcome.output, error: outcome.error };
  }
}
