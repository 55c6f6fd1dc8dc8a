import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { MESSAGE_BUS, RemoteError, type MessageBus } from '@junction/platform/ports';
import { CreateUser, CreateUserBody, GetJwks, Jwks, Login, LoginBody, RevokeSession, RevokeUserSessions, Session, SessionsRevoked, UserView } from '@junction/auth/contracts';
import { ProblemException } from '@junction/platform/http';
import { IdempotentCreate } from '../idempotency/idempotent-create';
import { LoginThrottle } from '../limits/login-throttle';
import { UserId } from '../shared/id-param';
import { CurrentPrincipal, type Principal } from '../shared/principal';
import { scopedBy } from './caller';
import { PublicRoute } from './public-route';
import { SessionVerifier } from './session-verifier';

/** Users with passwords and their session tokens (for the console), and the keys that verify them. */
@ApiTags('users')
@Controller()
export class SessionsController {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly throttle: LoginThrottle,
    private readonly sessions: SessionVerifier,
  ) {}

  @Post('v1/users')
  @IdempotentCreate({ owner: 'auth' })
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Create a user with a password (admin)' })
  @ApiCreatedResponse({ type: UserView })
  createUser(@CurrentPrincipal() principal: Principal, @Body() body: CreateUserBody): Promise<UserView> {
    return this.bus.request(CreateUser, { ...scopedBy(principal), email: body.email, password: body.password, role: body.role });
  }

  @Post('v1/sessions')
  @HttpCode(201)
  @PublicRoute()
  @ApiOperation({ summary: 'Log in with email and password; returns an ES256 session token' })
  @ApiCreatedResponse({ type: Session })
  @ApiTooManyRequestsResponse({ description: 'Too many failed logins for this account or from this address (Retry-After)' })
  async login(@Body() body: LoginBody, @Req() req: Request): Promise<Session> {
    // counted here, before the auth service spends an argon2 verification on the guess
    const attempt = await this.throttle.begin(body.email, req.ip);
    try {
      const session = await this.bus.request(Login, { email: body.email, password: body.password, ...(req.ip ? { ip: req.ip.slice(0, 64) } : {}) });
      await attempt.settle('success');
      return session;
    } catch (error) {
      await attempt.settle(error instanceof RemoteError && error.code === 'unauthenticated' ? 'failure' : 'not-counted');
      throw error;
    }
  }

  @Delete('v1/sessions/current')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Log out: the session token of this request stops working (every gateway within 5 s)' })
  @ApiNoContentResponse()
  async logout(@CurrentPrincipal() principal: Principal): Promise<void> {
    const session = sessionOf(principal);
    await this.bus.request(RevokeSession, { ...scopedBy(principal), jti: session.jti, expiresAt: new Date(session.expiresAt * 1000).toISOString() });
    this.sessions.forget(principal.id, session.jti, session.expiresAt);
  }

  @Delete('v1/sessions')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Log out everywhere: every session token of the calling user stops working (every gateway within 5 s)' })
  @ApiNoContentResponse()
  async logoutEverywhere(@CurrentPrincipal() principal: Principal): Promise<void> {
    const session = sessionOf(principal);
    await this.bus.request(RevokeUserSessions, { ...scopedBy(principal), userId: principal.id, reason: 'logout_everywhere' });
    this.sessions.forget(principal.id, session.jti, session.expiresAt);
    this.sessions.forgetUser(principal.id);
  }

  @Delete('v1/users/:id/sessions')
  @ApiBearerAuth()
  @ApiOperation({ summary: "Revoke every session token of a user of this workspace (admin); the user's tokens stop working within 5 s" })
  @ApiOkResponse({ type: SessionsRevoked })
  async revokeUserSessions(@CurrentPrincipal() principal: Principal, @UserId() id: string): Promise<SessionsRevoked> {
    const revoked = await this.bus.request(RevokeUserSessions, { ...scopedBy(principal), userId: id, reason: 'admin' });
    this.sessions.forgetUser(id);
    return revoked;
  }

  @Get('.well-known/jwks.json')
  @PublicRoute()
  @ApiOperation({ summary: 'Public keys (with kid) that verify session tokens' })
  @ApiOkResponse({ type: Jwks })
  jwks(): Promise<Jwks> {
    return this.bus.request(GetJwks, {});
  }
}

/** The session of a request made with a session token; an API key has none to end. */
function sessionOf(principal: Principal): { jti: string; expiresAt: number } {
  if (principal.kind === 'user' && principal.session) return principal.session;
  throw new ProblemException('not-a-session', 'Not a session', 400, {
    detail: 'This request was authenticated with an API key, which has no session to end; revoke a key with DELETE /v1/api-keys/{id}.',
  });
}
