import { Body, Controller, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { MESSAGE_BUS, RemoteError, type MessageBus } from '@junction/platform/ports';
import { CreateUser, CreateUserBody, GetJwks, Jwks, Login, LoginBody, Session, UserView } from '@junction/auth/contracts';
import { LoginThrottle } from '../limits/login-throttle';
import { CurrentPrincipal, type Principal } from '../shared/principal';
import { scopedBy } from './caller';
import { PublicRoute } from './public-route';

/** Users with passwords and their session tokens (for the console), and the keys that verify them. */
@ApiTags('users')
@Controller()
export class SessionsController {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly throttle: LoginThrottle,
  ) {}

  @Post('v1/users')
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

  @Get('.well-known/jwks.json')
  @PublicRoute()
  @ApiOperation({ summary: 'Public keys (with kid) that verify session tokens' })
  @ApiOkResponse({ type: Jwks })
  jwks(): Promise<Jwks> {
    return this.bus.request(GetJwks, {});
  }
}
