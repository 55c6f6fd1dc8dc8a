import { Body, Controller, Delete, Get, Inject, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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

// recipes name their connections (resolved per workspace), so a name is unique in its workspace
const NAME_TAKEN = { description: 'Another connection of the workspace has this name: `errors` names `name`' } as const;

/** Connections: credentials are write-only; responses name the secret fields that are set. */
@ApiTags('connections')
@ApiBearerAuth()
@Controller('v1/connections')
export class ConnectionsController {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  @Post()
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
