import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { ROLES, type Role } from './roles';

const ULID = '[0-9A-HJKMNP-TV-Z]{26}';
export const WORKSPACE_ID_RE = new RegExp(`^ws_${ULID}$`);
export const API_KEY_ID_RE = new RegExp(`^key_${ULID}$`);
export const CONNECTION_ID_RE = new RegExp(`^conn_${ULID}$`);

/** The authenticated caller on whose behalf the gateway asks; the service re-checks its role. */
export class CallerRef {
  @IsIn(['api_key', 'user'])
  kind: 'api_key' | 'user';

  @IsString()
  @MaxLength(64)
  id: string;

  @IsIn(ROLES)
  role: Role;
}

/** Every tenant-scoped request names its workspace and its caller. */
export class ScopedRequest {
  @Matches(WORKSPACE_ID_RE)
  workspaceId: string;

  @ValidateNested()
  @Type(() => CallerRef)
  caller: CallerRef;
}

/** Cursor pagination (`?limit=&cursor=`); the cursor is the last id of the previous page. */
export class PageQuery {
  @ApiProperty({ required: false, minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiProperty({ required: false, description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(new RegExp(`^[a-z]+_${ULID}$`), { message: 'cursor must be a nextCursor returned by this list' })
  cursor?: string;
}
