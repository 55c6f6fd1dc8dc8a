import { Injectable } from '@nestjs/common';
import { OnRequest } from '@junction/platform/messaging';
import type { IncomingMeta } from '@junction/platform/ports';
import {
  ChangePassword,
  CheckSession,
  CreateUser,
  GetJwks,
  Login,
  RevokeSession,
  RevokeUserSessions,
  SetUserDisabled,
  type ChangePasswordRequest,
  type CheckSessionRequest,
  type CreateUserRequest,
  type Jwks,
  type JwksRequest,
  type LoginRequest,
  type RevokeSessionRequest,
  type RevokeUserSessionsRequest,
  type SetUserDisabledRequest,
  type UserDisabledState,
  type Session,
  type SessionStatus,
  type SessionsRevoked,
  type UserView,
} from '@junction/auth/contracts';
import { scopeOf } from './auth.handlers';
import { SigningKeysService } from './signing-keys.service';
import { UsersService } from './users.service';

@Injectable()
export class UserHandlers {
  constructor(
    private readonly users: UsersService,
    private readonly keys: SigningKeysService,
  ) {}

  @OnRequest(CreateUser)
  create(request: CreateUserRequest, meta: IncomingMeta): Promise<UserView> {
    return this.users.create(scopeOf(request, meta), request.caller, request);
  }

  @OnRequest(Login)
  login(request: LoginRequest): Promise<Session> {
    return this.users.login(request);
  }

  @OnRequest(CheckSession)
  checkSession(request: CheckSessionRequest): Promise<SessionStatus> {
    return this.users.checkSession(request);
  }

  @OnRequest(RevokeSession)
  revokeSession(request: RevokeSessionRequest, meta: IncomingMeta): Promise<SessionStatus> {
    return this.users.revokeSession(scopeOf(request, meta), request.caller, request);
  }

  @OnRequest(RevokeUserSessions)
  revokeUserSessions(request: RevokeUserSessionsRequest, meta: IncomingMeta): Promise<SessionsRevoked> {
    return this.users.revokeUserSessions(scopeOf(request, meta), request.caller, request);
  }

  @OnRequest(ChangePassword)
  changePassword(request: ChangePasswordRequest, meta: IncomingMeta): Promise<SessionsRevoked> {
    return this.users.changePassword(scopeOf(request, meta), request.caller, request);
  }

  @OnRequest(SetUserDisabled)
  setDisabled(request: SetUserDisabledRequest, meta: IncomingMeta): Promise<UserDisabledState> {
    return this.users.setDisabled(scopeOf(request, meta), request.caller, request);
  }

  @OnRequest(GetJwks)
  async jwks(request: JwksRequest): Promise<Jwks> {
    const keys = await this.keys.jwks();
    return { keys: request.kid ? keys.filter((k) => k.kid === request.kid) : keys };
  }
}
