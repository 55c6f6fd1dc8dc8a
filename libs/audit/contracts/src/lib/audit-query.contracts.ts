import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsISO8601, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { defineRpc } from '@junction/platform/ports';
import { AuditActor, AuditTarget } from './audit-event.contracts';

/** Largest page of one `audit.query.v1` answer. */
export const AUDIT_PAGE_MAX = 500;
export const AUDIT_PAGE_DEFAULT = 50;
/** Opaque cursors made by the audit service (base64url). */
export const AUDIT_CURSOR_RE = /^[A-Za-z0-9_-]{1,64}$/;

const ACTION_FILTER_RE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?$/;
const TARGET_FILTER_RE = /^[a-z][a-z0-9_]{0,63}(:[^\s:][^\s]{0,127})?$/;

/** Filters shared by the list, the export and the NATS query. */
export class AuditFilter {
  @ApiPropertyOptional({ description: 'Actor id (`u_123`), or `<type>:<id>` (`api_key:key_1`)', example: 'user:u_123' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  actor?: string;

  @ApiPropertyOptional({ description: 'Exact action, or a prefix ending in `.*` (`connection.*`)', example: 'connection.*' })
  @IsOptional()
  @MaxLength(200)
  @Matches(ACTION_FILTER_RE, { message: 'action must be an action like connection.created, or a prefix like connection.*' })
  action?: string;

  @ApiPropertyOptional({ description: 'Target type (`connection`), or `<type>:<id>` for one object', example: 'connection:conn_01' })
  @IsOptional()
  @Matches(TARGET_FILTER_RE, { message: 'target must be a target type, or <type>:<id>' })
  target?: string;

  @ApiPropertyOptional({ description: 'Events at or after this time (ISO 8601)', example: '2026-01-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ description: 'Events before this time (ISO 8601, exclusive)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;
}

/** `audit.query.v1` request: one workspace's events, newest first unless `order` is `asc`. */
export class QueryAuditRequest extends AuditFilter {
  @IsString()
  @MaxLength(64)
  workspaceId: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(AUDIT_PAGE_MAX)
  limit?: number;

  @IsOptional()
  @Matches(AUDIT_CURSOR_RE, { message: 'cursor must be a cursor returned by a previous page' })
  cursor?: string;

  /** `asc` (oldest first) is what the export reads in. */
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';
}

const ACTOR_SCHEMA = { type: 'object', properties: { type: { type: 'string', enum: ['user', 'api_key', 'service', 'root'] }, id: { type: 'string' } } } as const;
const TARGET_SCHEMA = { type: 'object', properties: { type: { type: 'string' }, id: { type: 'string' } } } as const;

/** One stored audit event with its place in the workspace's hash chain. */
export class AuditEntry {
  @ApiProperty({ description: 'Event id, unique' })
  @IsString()
  @MaxLength(64)
  id: string;

  @ApiProperty()
  @IsString()
  @MaxLength(64)
  workspaceId: string;

  @ApiProperty({ description: 'Position in the workspace chain, from 1' })
  @IsInt()
  @Min(1)
  seq: number;

  @ApiProperty(ACTOR_SCHEMA)
  @ValidateNested()
  @Type(() => AuditActor)
  actor: AuditActor;

  @ApiProperty({ example: 'connection.created' })
  @IsString()
  @MaxLength(200)
  action: string;

  @ApiProperty(TARGET_SCHEMA)
  @ValidateNested()
  @Type(() => AuditTarget)
  target: AuditTarget;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  ip?: string;

  @ApiProperty({ description: 'When it happened, as the publishing service saw it' })
  @IsISO8601({ strict: true })
  at: string;

  @ApiProperty({ description: 'When the audit service stored it' })
  @IsISO8601({ strict: true })
  recordedAt: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'What changed, secrets redacted' })
  @IsOptional()
  @IsObject()
  changes?: Record<string, unknown>;

  @ApiProperty({ description: 'Hash of the previous row of the workspace (64 zeros for the first)' })
  @Matches(/^[0-9a-f]{64}$/)
  prevHash: string;

  @ApiProperty({ description: 'HMAC-SHA256 under the audit chain key `keyId` (SHA-256 when the row has no `keyId`) of prevHash and the canonical content' })
  @Matches(/^[0-9a-f]{64}$/)
  hash: string;

  @ApiPropertyOptional({ description: 'Id of the master key the audit chain key of this row is derived from; absent on unkeyed rows' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  keyId?: string;

  @ApiPropertyOptional({ description: 'True on the first keyed row after unkeyed ones: where the keyed chain continues an older one' })
  @IsOptional()
  @IsBoolean()
  keyAnchor?: boolean;
}

export class AuditPage {
  @ApiProperty({ type: [AuditEntry] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => AuditEntry)
  items: AuditEntry[];

  @ApiPropertyOptional({ description: 'Pass as `cursor` for the next page; absent on the last page' })
  @IsOptional()
  @Matches(AUDIT_CURSOR_RE)
  nextCursor?: string;
}

/** `audit.verify.v1` request. */
export class VerifyAuditRequest {
  @IsString()
  @MaxLength(64)
  workspaceId: string;
}

export const CHAIN_BREAK_REASONS = ['sequence_gap', 'link_mismatch', 'content_mismatch', 'rows_missing', 'unknown_key', 'unkeyed_row', 'anchor_mismatch'] as const;

/** The first row that does not follow from the one before it. */
export class AuditChainBreak {
  @ApiProperty({ description: 'Event id of the row (for `rows_missing`, of the first missing one)' })
  @IsString()
  @MaxLength(64)
  id: string;

  @ApiProperty()
  @IsInt()
  @Min(1)
  seq: number;

  @ApiProperty({
    enum: CHAIN_BREAK_REASONS,
    description:
      '`content_mismatch`: the row was edited; `link_mismatch`: the row before it was replaced; `sequence_gap`: a row before it is missing; `rows_missing`: this row and any after it were stored and are gone; `unknown_key`: the key the row names is not configured; `unkeyed_row`: an unkeyed row after keyed ones; `anchor_mismatch`: the keyed-chain anchor mark is wrong',
  })
  @IsIn(CHAIN_BREAK_REASONS)
  reason: (typeof CHAIN_BREAK_REASONS)[number];

  @ApiProperty()
  @IsString()
  @MaxLength(500)
  detail: string;
}

/** Where verification started when retention has removed the oldest rows. */
export class AuditChainAnchor {
  @ApiProperty({ description: 'Seq of the last row removed by retention' })
  @IsInt()
  @Min(1)
  seq: number;

  @ApiProperty({ description: 'Its hash, which the first remaining row must point to' })
  @Matches(/^[0-9a-f]{64}$/)
  hash: string;

  @ApiProperty({ description: 'When retention removed it' })
  @IsISO8601({ strict: true })
  droppedAt: string;
}

export class AuditVerification {
  @ApiProperty({ description: 'True when every row follows from the one before it' })
  @IsBoolean()
  valid: boolean;

  @ApiProperty({ description: 'Rows checked' })
  @IsInt()
  @Min(0)
  checked: number;

  @ApiProperty({ description: 'Seq of the last row that verified (0: none)' })
  @IsInt()
  @Min(0)
  lastValidSeq: number;

  @ApiProperty({ description: 'Rows that verified with the audit chain key (the others are unkeyed rows of before the key, checked with SHA-256 only)' })
  @IsInt()
  @Min(0)
  keyedRows: number;

  @ApiPropertyOptional({ description: 'Seq of the first keyed row, where the keyed chain continues an unkeyed one' })
  @IsOptional()
  @IsInt()
  @Min(1)
  keyedFromSeq?: number;

  @ApiPropertyOptional({ type: AuditChainAnchor })
  @IsOptional()
  @ValidateNested()
  @Type(() => AuditChainAnchor)
  startsAfter?: AuditChainAnchor;

  @ApiPropertyOptional({ type: AuditChainBreak })
  @IsOptional()
  @ValidateNested()
  @Type(() => AuditChainBreak)
  firstBroken?: AuditChainBreak;
}

/** `audit.query.v1`: a page of a workspace's audit log; `invalid_request` for a bad cursor or range. */
export const QueryAudit = defineRpc('audit.query.v1', QueryAuditRequest, AuditPage, { timeoutMs: 5000 });

/** `audit.verify.v1`: walks a workspace's whole chain, so its deadline is long. */
export const VerifyAudit = defineRpc('audit.verify.v1', VerifyAuditRequest, AuditVerification, { timeoutMs: 60_000 });
