import { Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { ConnectorList, ConnectorSummary, GetConnector, ListConnectors, RegisterConnector } from '@junction/connectors/contracts';
import { Problems } from '@junction/platform/http';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { CurrentPrincipal, type Principal } from '../shared/principal';
import { ConnectorKey } from '../shared/id-param';
import { IdempotentCreate } from '../idempotency/idempotent-create';

/** The connector catalog, answered by the connectors service over the bus. */
@ApiTags('connectors')
@ApiServiceUnavailableResponse({ description: 'The connectors service did not answer within its deadline (problem document, `Retry-After`).' })
@Controller('v1/connectors')
export class ConnectorsController {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  @Get()
  @ApiOperation({ summary: 'List connectors (built-in and this workspace’s custom ones) with their actions, triggers and schemas' })
  @ApiOkResponse({ type: ConnectorList })
  list(@CurrentPrincipal() principal: Principal): Promise<ConnectorList> {
    return this.bus.request(ListConnectors, { workspaceId: principal.workspaceId });
  }

  @Get(':key')
  @ApiOperation({ summary: 'One connector with its actions, triggers and schemas' })
  @ApiOkResponse({ type: ConnectorSummary })
  get(@CurrentPrincipal() principal: Principal, @ConnectorKey() key: string): Promise<ConnectorSummary> {
    return this.bus.request(GetConnector, { key, workspaceId: principal.workspaceId });
  }

  @Post()
  @HttpCode(201)
  @IdempotentCreate({ owner: 'connectors' })
  @ApiOperation({ summary: 'Register a custom declarative HTTP connector (a new version if the key exists)' })
  @ApiBody({
    schema: {
      type: 'object',
      description: 'key, displayName, baseUrl, auth, actions[] (method, path, query, headers, body with {{ input.x }} placeholders, input/output JSON Schemas, outputPath)',
    },
  })
  @ApiCreatedResponse({ type: ConnectorSummary })
  register(@CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<ConnectorSummary> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw Problems.validation([{ path: '', message: 'must be a JSON object' }]);
    return this.bus.request(RegisterConnector, { workspaceId: principal.workspaceId, definition: body as Record<string, unknown> });
  }
}
