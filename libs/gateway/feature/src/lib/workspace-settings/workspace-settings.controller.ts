import { Body, Controller, Get, Inject, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { GetWorkspaceSettings, PutWorkspaceSettings, WorkspaceSettingsView } from '@junction/executor/contracts';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { scopeOf } from '../recipes/executor-scope';
import { CurrentPrincipal, type Principal } from '../shared/principal';
import { WorkspaceSettingsBody } from './workspace-settings.dto';

/** Settings of the caller's workspace, kept by the executor (which applies them). */
@ApiTags('workspace')
@ApiBearerAuth()
@Controller('v1/workspace/settings')
export class WorkspaceSettingsController {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  @Get()
  @ApiOperation({ summary: "The workspace's settings: the default error handler" })
  @ApiOkResponse({ type: WorkspaceSettingsView })
  get(@CurrentPrincipal() principal: Principal): Promise<WorkspaceSettingsView> {
    return this.bus.request(GetWorkspaceSettings, { workspaceId: principal.workspaceId });
  }

  @Put()
  @ApiOperation({ summary: 'Replace the settings; `onFailure: { recipe }` runs that recipe for every failed job whose recipe names no handler' })
  @ApiOkResponse({ type: WorkspaceSettingsView })
  @ApiUnprocessableEntityResponse({ description: 'The handler names no recipe of the workspace' })
  put(@CurrentPrincipal() principal: Principal, @Body() body: WorkspaceSettingsBody): Promise<WorkspaceSettingsView> {
    return this.bus.request(PutWorkspaceSettings, { ...scopeOf(principal), ...(body.onFailure ? { onFailure: { recipe: body.onFailure.recipe } } : {}) });
  }
}
