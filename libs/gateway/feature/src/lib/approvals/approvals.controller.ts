import { Body, Controller, Get, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApprovalList, ApprovalView, DecideApproval, GetApproval, ListApprovals } from '@junction/executor/contracts';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { scopeOf } from '../recipes/executor-scope';
import { ApprovalId } from '../shared/id-param';
import { CurrentPrincipal, type Principal } from '../shared/principal';
import { DecideApprovalBody, ListApprovalsQuery } from './approvals.dto';

/** Approval steps' decisions through the API (the signed links are `/approvals/:token`). */
@ApiTags('approvals')
@ApiBearerAuth()
@Controller('v1/approvals')
export class ApprovalsController {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  @Get()
  @ApiOperation({ summary: 'Approvals of approval steps, newest first, by state, cursor-paginated' })
  @ApiOkResponse({ type: ApprovalList })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListApprovalsQuery): Promise<ApprovalList> {
    return this.bus.request(ListApprovals, {
      workspaceId: principal.workspaceId,
      ...(query.state ? { state: query.state } : {}),
      ...(query.limit ? { limit: query.limit } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One approval: its step, state, and decision once made' })
  @ApiOkResponse({ type: ApprovalView })
  @ApiNotFoundResponse({ description: 'No such approval in the workspace' })
  get(@CurrentPrincipal() principal: Principal, @ApprovalId() id: string): Promise<ApprovalView> {
    return this.bus.request(GetApproval, { workspaceId: principal.workspaceId, id });
  }

  @Post(':id/decision')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve or reject (the operator role or above); the first decision wins, is audited and resumes the job' })
  @ApiOkResponse({ type: ApprovalView })
  @ApiBadRequestResponse({ description: 'A decision other than approve/reject, or a comment that is not a string of at most 2000 characters' })
  @ApiNotFoundResponse({ description: 'No such approval in the workspace' })
  @ApiConflictResponse({ description: 'Already decided, or expired' })
  decide(@CurrentPrincipal() principal: Principal, @ApprovalId() id: string, @Body() body: DecideApprovalBody): Promise<ApprovalView> {
    return this.bus.request(DecideApproval, { ...scopeOf(principal), id, decision: body.decision, ...(body.comment !== undefined ? { comment: body.comment } : {}) });
  }
}
