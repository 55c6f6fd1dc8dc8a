import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { defineRpc } from '@junction/platform/ports';
import { Actor, PAGE_MAX, WorkspaceScoped } from './recipe-api.contracts';

export const APPROVAL_ID_RE = /^apr_[0-9A-HJKMNP-TV-Z]{26}$/;
/** `pending`: undecided and not expired; `decided`: approved or rejected; `expired`: undecided past its expiry; `cancelled`: its job was cancelled while it was pending. */
export const APPROVAL_STATES = ['pending', 'decided', 'expired', 'cancelled'] as const;
export type ApprovalStateName = (typeof APPROVAL_STATES)[number];
export const APPROVAL_DECISIONS = ['approved', 'rejected'] as const;
/** What a caller asks for (`approve`/`reject`); the stored decision is `approved`/`rejected`. */
export const APPROVAL_VERBS = ['approve', 'reject'] as const;
export type ApprovalVerb = (typeof APPROVAL_VERBS)[number];
/** A decision's comment, at most this many characters. */
export const APPROVAL_COMMENT_MAX = 2000;
/** A link token: `<payload>.<signature>`, base64url, bounded. */
export const APPROVAL_TOKEN_RE = /^[A-Za-z0-9_-]{10,400}\.[A-Za-z0-9_-]{43}$/;

export class ApprovalView {
  @ApiProperty({ example: 'apr_01JEXAMPLE0000000000000000' })
  @IsString()
  id: string;

  @ApiProperty()
  @IsString()
  jobId: string;

  @ApiProperty()
  @IsString()
  recipeId: string;

  @ApiProperty({ description: 'The approval step and its key (with forEach indices)' })
  @IsString()
  stepId: string;

  @ApiProperty()
  @IsString()
  stepKey: string;

  @ApiProperty()
  @IsString()
  title: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  description?: string;

  @ApiProperty({ enum: APPROVAL_STATES })
  @IsIn(APPROVAL_STATES)
  state: ApprovalStateName;

  @ApiProperty()
  @IsISO8601()
  createdAt: string;

  @ApiProperty({ description: 'After it, neither links nor the API decide; the step fails with a catchable `timeout`' })
  @IsISO8601()
  expiresAt: string;

  @ApiPropertyOptional({ enum: APPROVAL_DECISIONS })
  @IsOptional()
  @IsIn(APPROVAL_DECISIONS)
  decision?: (typeof APPROVAL_DECISIONS)[number];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  comment?: string;

  @ApiPropertyOptional({ type: Actor, description: 'Who decided: an API key or user, or `service:approval-link` for a signed link' })
  @IsOptional()
  @ValidateNested()
  @Type(() => Actor)
  decidedBy?: Actor;

  @ApiPropertyOptional()
  @IsOptional()
  @IsISO8601()
  decidedAt?: string;

  @ApiPropertyOptional({ description: 'When its job was cancelled, closing it undecided' })
  @IsOptional()
  @IsISO8601()
  cancelledAt?: string;
}

export class ApprovalList {
  @ApiProperty({ type: [ApprovalView] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ApprovalView)
  items: ApprovalView[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  nextCursor?: string;
}

export class ListApprovalsRequest extends WorkspaceScoped {
  @IsOptional()
  @IsIn(APPROVAL_STATES)
  state?: ApprovalStateName;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(PAGE_MAX)
  limit?: number;

  @IsOptional()
  @Matches(APPROVAL_ID_RE)
  cursor?: string;
}

export class ApprovalRef extends WorkspaceScoped {
  @Matches(APPROVAL_ID_RE)
  id: string;
}

export class DecideApprovalRequest extends ApprovalRef {
  @IsIn(APPROVAL_VERBS)
  decision: ApprovalVerb;

  @IsOptional()
  @IsString()
  @MaxLength(APPROVAL_COMMENT_MAX)
  comment?: string;
}

/** A signed link's token, as the gateway got it (checked by the executor, which holds the key). */
export class ApprovalLinkRequest {
  @IsString()
  @MaxLength(500)
  token: string;

  @IsOptional()
  @IsString()
  @MaxLength(APPROVAL_COMMENT_MAX)
  comment?: string;
}

/** What a link's confirmation page shows (no ids beyond the approval's own). */
export class ApprovalLinkView {
  @IsString()
  id: string;

  @IsString()
  title: string;

  @IsOptional()
  @IsString()
  description?: string;

  /** What this link decides. */
  @IsIn(APPROVAL_VERBS)
  decision: ApprovalVerb;

  @IsISO8601()
  expiresAt: string;

  /** Whether it was decided now (a POST), or what stands in the way (used, expired, its job cancelled). */
  @IsIn(['open', 'decided', 'used', 'expired', 'cancelled'])
  state: 'open' | 'decided' | 'used' | 'expired' | 'cancelled';

  @IsOptional()
  @IsIn(APPROVAL_DECISIONS)
  outcome?: (typeof APPROVAL_DECISIONS)[number];
}

export const ListApprovals = defineRpc('executor.approval-list.v1', ListApprovalsRequest, ApprovalList);
export const GetApproval = defineRpc('executor.approval-get.v1', ApprovalRef, ApprovalView);
/** The first decision wins: a decided, expired or cancelled approval is `conflict`; an unknown id `not_found`. */
export const DecideApproval = defineRpc('executor.approval-decide.v1', DecideApprovalRequest, ApprovalView);
/** Reads what a link would decide (the page); `invalid_request` for a bad signature. */
export const OpenApprovalLink = defineRpc('executor.approval-link-open.v1', ApprovalLinkRequest, ApprovalLinkView);
/** Decides by a link: `state` decided, or used/expired when it cannot. */
export const DecideApprovalLink = defineRpc('executor.approval-link-decide.v1', ApprovalLinkRequest, ApprovalLinkView);
