import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { REPLAY_MAX_JOBS, ReplayRecipe, ReplayResult } from '@junction/executor/contracts';
import { Problems } from '@junction/platform/http';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { RecipeId } from '../shared/id-param';
import { CurrentPrincipal, type Principal } from '../shared/principal';
import { scopeOf } from './executor-scope';
import { ReplayRecipeBody } from './recipe-replay.dto';

/** Replay of recorded jobs on another version of their recipe, answered by the executor; nothing is sent anywhere. */
@ApiTags('recipes')
@ApiBearerAuth()
@Controller('v1/recipes')
export class RecipeReplayController {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({
    summary:
      `Run a version over recorded jobs of this recipe (by ids, or the newest a filter matches; at most ${REPLAY_MAX_JOBS} per call) without sending anything: ` +
      'each action call is answered from the recorded step when its rendered input is the same, else marked as a call made anew. ' +
      'Per job: steps whose input changed, steps added or removed, the calls that would be made, and the diff of the output',
  })
  @ApiOkResponse({ type: ReplayResult })
  @ApiBadRequestResponse({
    description: 'Neither or both of jobs.ids and jobs.filter, a malformed id, too many ids, or a filter field that cannot be applied (each named in errors)',
  })
  @ApiNotFoundResponse({
    description: 'No such recipe in the workspace, no such version (errors names version), or job ids that are not jobs of this recipe (errors names jobs.ids)',
  })
  replay(@CurrentPrincipal() principal: Principal, @RecipeId() id: string, @Body() body: ReplayRecipeBody): Promise<ReplayResult> {
    const { ids, filter } = body.jobs;
    if ((ids === undefined) === (filter === undefined)) {
      throw Problems.validation([{ path: ids ? 'jobs.filter' : 'jobs.ids', message: 'give exactly one of jobs.ids and jobs.filter' }], 'Give either jobs.ids or jobs.filter.');
    }
    return this.bus.request(ReplayRecipe, {
      ...scopeOf(principal),
      id,
      version: body.version,
      jobs: ids ? { ids } : { filter: { ...filter } },
    });
  }
}
