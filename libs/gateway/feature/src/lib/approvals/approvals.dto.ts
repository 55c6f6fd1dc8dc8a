import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { APPROVAL_COMMENT_MAX, APPROVAL_ID_RE, APPROVAL_STATES, APPROVAL_VERBS, type ApprovalStateName, type ApprovalVerb } from '@junction/executor/contracts';
import { PageLimitQuery } from '../shared/page-query';

export class ListApprovalsQuery extends PageLimitQuery {
  @ApiPropertyOptional({
    enum: APPROVAL_STATES,
    description: '`pending`: undecided and not expired; `decided`; `expired`: undecided past its expiry; `cancelled`: its job was cancelled while it was pending',
  })
  @IsOptional()
  @IsIn(APPROVAL_STATES, { message: `state must be one of ${APPROVAL_STATES.join(', ')}` })
  state?: ApprovalStateName;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page' })
  @IsOptional()
  @Matches(APPROVAL_ID_RE, { message: 'cursor must be a nextCursor returned by this list' })
  cursor?: string;
}

export class DecideApprovalBody {
  @ApiProperty({ enum: APPROVAL_VERBS })
  @IsIn(APPROVAL_VERBS, { message: `decision must be one of ${APPROVAL_VERBS.join(', ')}` })
  decision: ApprovalVerb;

  @ApiPropertyOptional({ maxLength: APPROVAL_COMMENT_MAX, description: 'Kept with the decision, in the audit log and in the step output' })
  @IsOptional()
  @IsString({ message: 'comment must be a string' })
  @MaxLength(APPROVAL_COMMENT_MAX, { message: `comment must be at most ${APPROVAL_COMMENT_MAX} characters` })
  comment?: string;
}
