import { ApiProperty } from '@nestjs/swagger';
import { IsArray, IsEmail, IsIn, IsISO8601, IsObject, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { defineRpc } from '@junction/platform/ports';
import { ScopedRequest, WORKSPACE_ID_RE } from './caller';
import { ROLES, type Role } from './roles';

/** Claims of a session token: `iss`, `aud`, `sub` (user id), `ws` (workspace), `role`. */
export const SESSION_ISSUER = 'junction';
export const SESSION_AUDIENCE = 'junction-api';
export const USER_ID_RE = /^usr_[0-9A-HJKMNP-TV-Z]{26}$/;

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

export const CreateUser = defineRpc('auth.create-user.v1', CreateUserRequest, UserView);
/** `auth.login.v1`: email and password for a session token; a wrong pair answers `unauthenticated`. */
export const Login = defineRpc('auth.login.v1', LoginRequest, Session);
/** `auth.get-jwks.v1`: the public keys (with `kid`) that verify session tokens. */
export const GetJwks = defineRpc('auth.get-jwks.v1', JwksRequest, Jwks);
