import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsISO8601, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { defineRpc } from '@junction/platform/ports';
import { API_KEY_ID_RE, PageQuery, ScopedRequest, WORKSPACE_ID_RE } from './caller';
import { ROLES, type Role } from './roles';

/** Every API key starts with this, so secret scanners and people can recognise one. */
export const API_KEY_PREFIX = 'jn_live_';

/** What the API shows of a key: never the key itself, except once at creation (`key`). */
export class ApiKeyView {
  @ApiProperty({ example: 'key_01J9Z5Q3X8M4ZK1T7N2B6C0D9E' })
  @Matches(API_KEY_ID_RE)
  id: string;

  @ApiProperty()
  @IsString()
  @MaxLength(100)
  name: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: Role;

  @ApiProperty({ description: 'First characters of the key, to recognise it', example: 'jn_live_AbC1' })
  @IsString()
  @MaxLength(16)
  prefix: string;

  @ApiProperty()
  @IsISO8601({ strict: true })
  createdAt: string;

  @ApiProperty({ required: false })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;

  @ApiProperty({ required: false })
  @IsOptional()
  @IsISO8601({ strict: true })
  revokedAt?: string;

  @ApiProperty({ required: false, description: 'Precise to about 30 s (verdicts are cached that long)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  lastUsedAt?: string;
}

/** A key as returned by its creation: the only time `key` is ever shown. */
export class CreatedApiKey extends ApiKeyView {
  @ApiProperty({ example: `${API_KEY_PREFIX}…`, description: 'The secret; store it now, it is never shown again' })
  @IsString()
  @MaxLength(100)
  key: string;
}

export class CreateApiKeyBody {
  @ApiProperty({ example: 'ci' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: Role;

  @ApiProperty({ required: false, description: 'ISO 8601; the key stops working then' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;
}

export class CreateApiKeyRequest extends ScopedRequest {
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  @IsIn(ROLES)
  role: Role;

  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;
}

export class ListApiKeysRequest extends ScopedRequest {
  @IsOptional()
  @ValidateNested()
  @Type(() => PageQuery)
  page?: PageQuery;
}

export class ApiKeyList {
  @ApiProperty({ type: [ApiKeyView] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ApiKeyView)
  items: ApiKeyView[];

  @ApiProperty({ required: false })
  @IsOptional()
  @IsString()
  nextCursor?: string;
}

export class ApiKeyRef extends ScopedRequest {
  @IsString()
  @MaxLength(64)
  id: string;
}

export class VerifyKeyRequest {
  @IsString()
  @MaxLength(200)
  key: string;
}

/** A valid key's verdict; an invalid, expired or revoked key answers `unauthenticated`. */
export class KeyVerdict {
  @Matches(WORKSPACE_ID_RE)
  workspaceId: string;

  @Matches(API_KEY_ID_RE)
  keyId: string;

  @IsIn(ROLES)
  role: Role;

  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;
}

export const CreateApiKey = defineRpc('auth.create-api-key.v1', CreateApiKeyRequest, CreatedApiKey);
export const ListApiKeys = defineRpc('auth.list-api-keys.v1', ListApiKeysRequest, ApiKeyList);
export const GetApiKey = defineRpc('auth.get-api-key.v1', ApiKeyRef, ApiKeyView);
/** Revocation takes effect at once: the verdict cache entry is overwritten with a tombstone. */
export const RevokeApiKey = defineRpc('auth.revoke-api-key.v1', ApiKeyRef, ApiKeyView);
/** Asked by the gateway for a bearer key it has no cached verdict for. */
export const VerifyKey = defineRpc('auth.verify-key.v1', VerifyKeyRequest, KeyVerdict, { timeoutMs: 2000 });

/**
 * Cache entry of a key's verdict, named by the SHA-256 of the key (never the key). The gateway
 * writes verdicts with set-if-absent; auth overwrites with a tombstone on revocation, so a verdict
 * fetched just before a revocation can never be written over it.
 */
export function keyVerdictCacheKey(keyHashHex: string): string {
  return `auth:key-verdict:${keyHashHex}`;
}

/** Verdicts live this long in the cache, ms; a tombstone must outlive any verdict written before it. */
export const KEY_VERDICT_TTL_MS = 30_000;
export const REVOKED_VERDICT = 'revoked';
