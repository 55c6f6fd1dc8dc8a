import { Body, Controller, Delete, Get, HttpCode, Inject, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { ConnectionTestResult, TestConnection } from '@junction/connectors/contracts';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import {
  ConnectionList,
  ConnectionView,
  CreateConnection,
  CreateConnectionBody,
  DeleteConnection,
  Deleted,
  GetConnection,
  ListConnections,
  OAuthAuthorization,
  PageQuery,
  StartOAuth,
  StartOAuthQuery,
  UpdateConnection,
  UpdateConnectionBody,
} from '@junction/auth/contracts';
import { scopedBy } from '../auth/caller';
import { CurrentPrincipal, type Principal } from '../shared/principal';
import { ConnectionId } from '../shared/id-param';
import { IdempotentCreate } from '../idempotency/idempotent-create';

// recipes name their connections (resolved per workspace), so a name is unique in its workspace
const NAME_TAKEN = { description: 'Another connection of the workspace has this name: `errors` names `name`' } as const;

/** Connections: credentials are write-only; responses name the secret fields that are set. */
@ApiTags('connections')
@ApiBearerAuth()
@Controller('v1/connections')
export class ConnectionsController {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  @Post()
  @IdempotentCreate({ owner: 'auth' })
  @ApiOperation({ summary: 'Create a connection (admin, builder)' })
  @ApiCreatedResponse({ type: ConnectionView })
  @ApiConflictResponse(NAME_TAKEN)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateConnectionBody): Promise<ConnectionView> {
    return this.bus.request(CreateConnection, {
      ...scopedBy(principal),
      name: body.name,
      connector: body.connector,
      credentials: { ...body.credentials },
      ...(body.oauth ? { oauth: { ...body.oauth } } : {}),
    });
  }

  @Get()
  @ApiOperation({ summary: 'List connections' })
  @ApiOkResponse({ type: ConnectionList })
  list(@CurrentPrincipal() principal: Principal, @Query() page: PageQuery): Promise<ConnectionList> {
    return this.bus.request(ListConnections, { ...scopedBy(principal), page: { ...page } });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One connection' })
  @ApiOkResponse({ type: ConnectionView })
  get(@CurrentPrincipal() principal: Principal, @ConnectionId() id: string): Promise<ConnectionView> {
    return this.bus.request(GetConnection, { ...scopedBy(principal), id });
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a connection or replace its credentials (admin, builder)' })
  @ApiOkResponse({ type: ConnectionView })
  @ApiConflictResponse(NAME_TAKEN)
  update(@CurrentPrincipal() principal: Principal, @ConnectionId() id: string, @Body() body: UpdateConnectionBody): Promise<ConnectionView> {
    return this.bus.request(UpdateConnection, {
      ...scopedBy(principal),
      id,
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.credentials !== undefined ? { credentials: { ...body.credentials } } : {}),
    });
  }

  @Post(':id/test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Check a connection’s credentials with its connector’s test (admin, builder)',
    description:
      'Calls the third party once, inside the outbound fence, with the stored credentials. 200 in both cases: `ok: false` with `detail` when the ' +
      'service refuses them or cannot be reached (credential values scrubbed). A connector without a test (`testable: false` in the catalog) is a 422.',
  })
  @ApiOkResponse({ type: ConnectionTestResult })
  @ApiNotFoundResponse({ description: 'No such connection in this workspace' })
  @ApiUnprocessableEntityResponse({ description: 'The connection’s connector has no test' })
  test(@CurrentPrincipal() principal: Principal, @ConnectionId() id: string): Promise<ConnectionTestResult> {
    return this.bus.request(TestConnection, { workspaceId: principal.workspaceId, connectionId: id }, { workspaceId: principal.workspaceId });
  }

  @Get(':id/oauth/authorize')
  @ApiOperation({ summary: 'Start the OAuth2 authorization code flow (PKCE S256); returns the URL to send the user to' })
  @ApiOkResponse({ type: OAuthAuthorization })
  authorize(@CurrentPrincipal() principal: Principal, @ConnectionId() id: string, @Query() query: StartOAuthQuery): Promise<OAuthAuthorization> {
    return this.bus.request(StartOAuth, { ...scopedBy(principal), id, redirectUri: query.redirectUri });
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a connection (admin, builder)' })
  @ApiOkResponse({ type: Deleted })
  delete(@CurrentPrincipal() principal: Principal, @ConnectionId() id: string): Promise<Deleted> {
    return this.bus.request(DeleteConnection, { ...scopedBy(principal), id });
  }
}
