import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBearerAuth, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { DeliverEvent, DeliverEventResult, EVENT_DATA_MAX_BYTES } from '@junction/executor/contracts';
import { ProblemException, Problems } from '@junction/platform/http';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { CurrentPrincipal, type Principal } from '../shared/principal';
import { DeliverEventBody } from './events.dto';

/** Events for jobs waiting on them (`waitFor`), answered by the executor. */
@ApiTags('events')
@ApiBearerAuth()
@Controller('v1/events')
export class EventsController {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Deliver an event: every job of the workspace waiting on its name and key resumes; one nobody waits for yet is buffered (24 h, the newest 100 per name and key) for waits that start later. Idempotent by id.',
  })
  @ApiAcceptedResponse({ type: DeliverEventResult })
  @ApiBadRequestResponse({ description: 'A malformed name, key, id or data (each named in errors)' })
  @ApiUnprocessableEntityResponse({ description: 'A reserved name (starting with `$`)' })
  deliver(@CurrentPrincipal() principal: Principal, @Body() body: DeliverEventBody): Promise<DeliverEventResult> {
    if (body.name.startsWith('$')) {
      throw new ProblemException('validation-error', 'Invalid request', 422, {
        detail: 'Event names starting with "$" are reserved for the platform.',
        errors: [{ path: 'name', message: 'is reserved (starts with "$")' }],
      });
    }
    const data = body.data === undefined ? null : body.data;
    const size = Buffer.byteLength(JSON.stringify(data), 'utf8');
    if (size > EVENT_DATA_MAX_BYTES) throw Problems.validation([{ path: 'data', message: `is ${size} bytes as JSON; at most ${EVENT_DATA_MAX_BYTES} are allowed` }]);
    return this.bus.request(DeliverEvent, { workspaceId: principal.workspaceId, name: body.name, key: body.key, id: body.id, data });
  }
}
