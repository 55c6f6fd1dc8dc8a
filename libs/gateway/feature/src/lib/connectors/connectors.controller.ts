import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { ConnectorList, ConnectorSummary, GetConnector, ListConnectors } from '@junction/connectors/contracts';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';

/** The connector catalog, answered by the connectors service over the bus. */
@ApiTags('connectors')
@ApiServiceUnavailableResponse({ description: 'The connectors service did not answer within its deadline (problem document, `Retry-After`).' })
@Controller('v1/connectors')
export class ConnectorsController {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  @Get()
  @ApiOperation({ summary: 'List connectors with their actions, triggers and schemas' })
  @ApiOkResponse({ type: ConnectorList })
  list(): Promise<ConnectorList> {
    return this.bus.request(ListConnectors, {});
  }

  @Get(':key')
  @ApiOperation({ summary: 'One connector with its actions, triggers and schemas' })
  @ApiOkResponse({ type: ConnectorSummary })
  get(@Param('key') key: string): Promise<ConnectorSummary> {
    return this.bus.request(GetConnector, { key });
  }
}
