import { Body, Controller, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { CreatedWorkspace, CreateWorkspace, CreateWorkspaceBody } from '@junction/auth/contracts';
import { RootTokenRoute } from '../auth/root-token';
import { IdempotentCreate } from '../idempotency/idempotent-create';

@ApiTags('workspaces')
@ApiBearerAuth()
@Controller('v1/workspaces')
export class WorkspacesController {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  @Post()
  @RootTokenRoute()
  @IdempotentCreate({ owner: 'auth', showsSecretOnce: true })
  @ApiOperation({ summary: 'Create a workspace (root token); returns its first admin API key, shown only here' })
  @ApiCreatedResponse({ type: CreatedWorkspace })
  @ApiUnauthorizedResponse({ description: 'The bearer token is not the root token' })
  create(@Body() body: CreateWorkspaceBody): Promise<CreatedWorkspace> {
    return this.bus.request(CreateWorkspace, { name: body.name });
  }
}
