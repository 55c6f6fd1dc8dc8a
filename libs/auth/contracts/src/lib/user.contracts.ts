import { ApiProperty } from '@nestjs/swagger';
import { IsArray, IsBoolean, IsEmail, IsIn, IsInt, IsISO8601, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { defineRpc } from '@junction/platform/ports';
import { ScopedRequest, WORKSPACE_ID_RE } from './caller';
import { ROLES, type Role } from './roles';

/**
 * Claims of a session token: `iss`, `aud`, `sub` (user id), `ws` (workspace), `role`, `jti` (the
 * token's id, what logging out revokes) and `sep` (the user's session epoch when it was issued:
 * revoking every session of a user moves the epoch on, so every older token stops working).
 */
export const SESSION_ISSUER = 'junction';
export const SESSION_AUDIENCE = 'junction-api';
export const SESSION_EPOCH_CLAIM = 'sep';
export const USER_ID_RE = /^usr_[0-9A-HJKMNP-TV-Z]{26}$/;
/** Session token ids (ULIDs). */
export const SESSION_ID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;
/**
 * How long the gateway trusts a session token's "still active" answer, ms: a revocation takes
 * effect on every gateway replica within this time (at once on the replica that served it).
 */
export const SESSION_STATUS_TTL_MS = 5_000;

export class UserView {
  @ApiProperty({ example: 'usr_01J9Z5Q3X8M4ZK1T7N2B6C0D9E' })
  @Matches(USER_ID_RE)
  id: string;

  @ApiProperty()
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: Role;

  @ApiProperty()
  @IsISO8601({ strict: true })
  createdAt: string;
}

export class CreateUserBody {
  @ApiProperty({ example: 'ann@example.com' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ minLength: 12, maxLength: 256, description: 'Write-only; stored as an argon2id hash' })
  @IsString()
  @MinLength(12)
  @MaxLength(256)
  password: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: Role;
}

export class CreateUserRequest extends ScopedRequest {
  @IsEmail()
  @MaxLength(254)
  email: string;

  @IsString()
  @MinLength(12)
  @MaxLength(256)
  password: string;

  @IsIn(ROLES)
  role: Role;
}

export class LoginBody {
  @ApiProperty()
  @IsString()
  @MaxLength(254)
  email: string;

  @ApiProperty()
  @IsString()
  @MaxLength(256)
  password: string;
}

export class LoginRequest extends LoginBody {
  @IsOptional()
  @IsString()
  @MaxLength(64)
  ip?: string;
}

export class Session {
  @ApiProperty({ description: 'ES256 JWT; send as Authorization: Bearer' })
  @IsString()
  token: string;

  @ApiProperty()
  @IsISO8601({ strict: true })
  expiresAt: string;

  @ApiProperty()
  @Matches(WORKSPACE_ID_RE)
  workspaceId: string;
}

/** Every active key, or only `kid` when given. */
export class JwksRequest {
  @IsOptional()
  @IsString()
  @MaxLength(64)
  kid?: string;
}

export class Jwks {
  @ApiProperty({ type: 'array', items: { type: 'object' } })
  @IsArray()
  @IsObject({ each: true })
  keys: Record<string, unknown>[];
}

/** Is this session token (already verified by signature) still active? */
export class CheckSessionRequest {
  @Matches(USER_ID_RE)
  userId: string;

  @Matches(SESSION_ID_RE)
  jti: string;

  @IsInt()
  @Min(0)
  @Max(2 ** 31 - 1)
  epoch: number;
}

export class SessionStatus {
  @IsBoolean()
  active: boolean;
}

/** Logging out: the caller (a user) revokes one of its own session tokens until it expires anyway. */
export class RevokeSessionRequest extends ScopedRequest {
  @Matches(SESSION_ID_RE)
  jti: string;

  @IsISO8601({ strict: true })
  expiresAt: string;
}

/** Revokes every session token of `userId` issued so far: the user itself, or an admin of its workspace. */
export class RevokeUserSessionsRequest extends ScopedRequest {
  @Matches(USER_ID_RE)
  userId: string;

  /** Why, for the audit log. */
  @IsIn(['logout_everywhere', 'admin'])
  reason: 'logout_everywhere' | 'admin';
}

export class ChangePasswordBody {
  @ApiProperty({ description: 'The password in use now' })
  @IsString()
  @MaxLength(256)
  currentPassword: string;

  @ApiProperty({ minLength: 12, maxLength: 256, description: 'Write-only; every session of the user ends with the change' })
  @IsString()
  @MinLength(12)
  @MaxLength(256)
  newPassword: string;
}

/** A user changes its own password; every one of its sessions is revoked. */
export class ChangePasswordRequest extends ScopedRequest {
  @IsString()
  @MaxLength(256)
  currentPassword: string;

  @IsString()
  @MinLength(12)
  @MaxLength(256)
  newPassword: string;
}

/** An admin disables (no login, every session revoked) or enables a user of its workspace. */
export class SetUserDisabledRequest extends ScopedRequest {
  @Matches(USER_ID_RE)
  userId: string;

  @IsBoolean()
  disabled: boolean;
}

export class UserDisabledState {
  @ApiProperty({ example: 'usr_01J9Z5Q3X8M4ZK1T7N2B6C0D9E' })
  @Matches(USER_ID_RE)
  userId: string;

  @ApiProperty({ description: 'A disabled user cannot log in, and its sessions were revoked when it was disabled' })
  @IsBoolean()
  disabled: boolean;
}

export class SessionsRevoked {
  @ApiProperty({ example: 'usr_01J9Z5Q3X8M4ZK1T7N2B6C0D9E' })
  @Matches(USER_ID_RE)
  userId: string;

  @ApiProperty({ description: 'Session tokens of the user issued before this instant no longer work' })
  @IsISO8601({ strict: true })
  revokedAt: string;
}

export const CreateUser = defineRpc('auth.create-user.v1', CreateUserRequest, UserView);
/** `auth.check-session.v1`: whether a signature-checked session token was revoked (or its user is gone). */
export const CheckSession = defineRpc('auth.check-session.v1', CheckSessionRequest, SessionStatus);
/** `auth.revoke-session.v1`: logs one session token out. */
export const RevokeSession = defineRpc('auth.revoke-session.v1', RevokeSessionRequest, SessionStatus);
/** `auth.change-password.v1`: the caller's own password; a wrong current password answers `forbidden`. */
export const ChangePassword = defineRpc('auth.change-password.v1', ChangePasswordRequest, SessionsRevoked);
/** `auth.set-user-disabled.v1`: disabling revokes every session of the user and refuses its logins. */
export const SetUserDisabled = defineRpc('auth.set-user-disabled.v1', SetUserDisabledRequest, UserDisabledState);
/** `auth.revoke-user-sessions.v1`: logs a user out everywhere (itself, or by an admin). */
export const RevokeUserSessions = defineRpc('auth.revoke-user-sessions.v1', RevokeUserSessionsRequest, SessionsRevoked);
/** `auth.login.v1`: email and password for a session token; a wrong pair answers `unauthenticated`. */
export const Login = defineRpc('auth.login.v1', LoginRequest, Session);
/** `auth.get-jwks.v1`: the public keys (with `kid`) that verify session tokens. */
export const GetJwks = defineRpc('auth.get-jwks.v1', JwksRequest, Jwks);
