import { Body, Controller, HttpCode, Inject, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { ChangePassword, ChangePasswordBody, SessionsRevoked, SetUserDisabled, UserDisabledState } from '@junction/auth/contracts';
import { UserId } from '../shared/id-param';
import { CurrentPrincipal, type Principal } from '../shared/principal';
import { scopedBy } from './caller';
import { SessionVerifier } from './session-verifier';

/**
 * Changes to a user account that end its sessions: a new password, and disabling. This replica
 * forgets the user's cached sessions at once; other replicas within SESSION_STATUS_TTL_MS.
 */
@ApiTags('users')
@ApiBearerAuth()
@Controller()
export class UserAccountsController {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly sessions: SessionVerifier,
  ) {}

  @Put('v1/users/me/password')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change your password (session token; needs the current one); every session of yours ends, log in again' })
  @ApiOkResponse({ type: SessionsRevoked })
  async changePassword(@CurrentPrincipal() principal: Principal, @Body() body: ChangePasswordBody): Promise<SessionsRevoked> {
    const revoked = await this.bus.request(ChangePassword, { ...scopedBy(principal), currentPassword: body.currentPassword, newPassword: body.newPassword });
    this.sessions.forgetUser(principal.id);
    return revoked;
  }

  @Post('v1/users/:id/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable a user of this workspace (admin): no login, every session of the user ends' })
  @ApiOkResponse({ type: UserDisabledState })
  async disable(@CurrentPrincipal() principal: Principal, @UserId() id: string): Promise<UserDisabledState> {
    const state = await this.bus.request(SetUserDisabled, { ...scopedBy(principal), userId: id, disabled: true });
    this.sessions.forgetUser(id);
    return state;
  }

  @Post('v1/users/:id/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable a disabled user again (admin); it logs in anew' })
  @ApiOkResponse({ type: UserDisabledState })
  enable(@CurrentPrincipal() principal: Principal, @UserId() id: string): Promise<UserDisabledState> {
    return this.bus.request(SetUserDisabled, { ...scopedBy(principal), userId: id, disabled: false });
  }
}
