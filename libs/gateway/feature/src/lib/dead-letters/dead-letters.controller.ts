import { Body, Controller, Get, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DeadLetterList, DeadLetterView, GetDeadLetter, ListDeadLetters, RedriveDeadLetters, RedriveResult } from '@junction/executor/contracts';
import { Problems } from '@junction/platform/http';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { scopeOf } from '../recipes/executor-scope';
import { DeadLetterId } from '../shared/id-param';
import { CurrentPrincipal, type Principal } from '../shared/principal';
import { ListDeadLettersQuery, RedriveDeadLettersBody } from './dead-letters.dto';

/** Trigger events that could not become jobs, answered by the executor. */
@ApiTags('dead-letters')
@ApiBearerAuth()
@Controller('v1/dead-letters')
export class DeadLettersController {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  @Get()
  @ApiOperation({ summary: 'Trigger events that could not become jobs (invalid, or failed on every delivery), newest first, filtered and cursor-paginated' })
  @ApiOkResponse({ type: DeadLetterList })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListDeadLettersQuery): Promise<DeadLetterList> {
    const { limit, cursor, ...filter } = query;
    return this.bus.request(ListDeadLetters, {
      workspaceId: principal.workspaceId,
      filter,
      ...(limit ? { limit } : {}),
      ...(cursor ? { cursor } : {}),
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One dead letter with its event as received (secrets redacted)' })
  @ApiOkResponse({ type: DeadLetterView })
  @ApiNotFoundResponse({ description: 'No such dead letter in the workspace' })
  get(@CurrentPrincipal() principal: Principal, @DeadLetterId() id: string): Promise<DeadLetterView> {
    return this.bus.request(GetDeadLetter, { workspaceId: principal.workspaceId, id });
  }

  @Post('redrive')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Make each dead letter (by ids, or those a filter matches) a job on its recipe's running version, at most once per letter; each item says the job or why not (the recipe is not running, the event is still invalid, already redriven)",
  })
  @ApiOkResponse({ type: RedriveResult })
  @ApiBadRequestResponse({ description: 'Neither or both of ids and filter, a malformed id, or a filter field that cannot be applied (each named in errors)' })
  redrive(@CurrentPrincipal() principal: Principal, @Body() body: RedriveDeadLettersBody): Promise<RedriveResult> {
    if ((body.ids === undefined) === (body.filter === undefined)) {
      throw Problems.validation([{ path: body.ids ? 'filter' : 'ids', message: 'give exactly one of ids and filter' }], 'Give either ids or filter.');
    }
    return this.bus.request(RedriveDeadLetters, {
      ...scopeOf(principal),
      ...(body.ids ? { ids: body.ids } : {}),
      ...(body.filter !== undefined ? { filter: body.filter } : {}),
      ...(body.cursor ? { cursor: body.cursor } : {}),
    });
  }
}
