import { Body, Controller, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { CreateUser, CreateUserBody, GetJwks, Jwks, Login, LoginBody, Session, UserView } from '@junction/auth/contracts';
import { CurrentPrincipal, type Principal } from '../shared/principal';
import { scopedBy } from './caller';
import { PublicRoute } from './public-route';

/** Users with passwords and their session tokens (for the console), and the keys that verify them. */
@ApiTags('users')
@Controller()
export class SessionsController {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

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
  login(@Body() body: LoginBody, @Req() req: Request): Promise<Session> {
    return this.bus.request(Login, { email: body.email, password: body.password, ...(req.ip ? { ip: req.ip.slice(0, 64) } : {}) });
  }

  @Get('.well-known/jwks.json')
  @ApiOperation({ summary: 'Public keys (with kid) that verify session tokens' })
  @ApiOkResponse({ type: Jwks })
  jwks(): Promise<Jwks> {
    return this.bus.request(GetJwks, {});
  }
}
