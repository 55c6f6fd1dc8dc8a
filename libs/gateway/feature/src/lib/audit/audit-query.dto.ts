import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { AUDIT_CURSOR_RE, AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX, AuditFilter } from '@junction/audit/contracts';

/** `GET /v1/audit` query: the filters plus a page. */
export class ListAuditQuery extends AuditFilter {
  @ApiPropertyOptional({ minimum: 1, maximum: AUDIT_PAGE_MAX, default: AUDIT_PAGE_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(AUDIT_PAGE_MAX)
  limit?: number;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page' })
  @IsOptional()
  @Matches(AUDIT_CURSOR_RE, { message: 'cursor must be a nextCursor returned by a previous page' })
  cursor?: string;
}

/** `GET /v1/audit/export` query: the same filters, no paging (the whole range is streamed). */
export class ExportAuditQuery extends AuditFilter {}
