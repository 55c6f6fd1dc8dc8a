import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { AuditPage, AuditVerification, QueryAudit, VerifyAudit, type QueryAuditRequest } from '@junction/audit/contracts';
import { roleAllows } from '@junction/auth/contracts';
import { ProblemException } from '@junction/platform/http';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { CurrentPrincipal, type Principal } from '../shared/principal';
import { ExportAuditQuery, ListAuditQuery } from './audit-query.dto';

// Pages the export asks for: memory per export stays at one page whatever the range.
const EXPORT_PAGE = 200;

/** The workspace's audit log, answered by the audit service over the bus. */
@ApiTags('audit')
@ApiBearerAuth()
@ApiServiceUnavailableResponse({ description: 'The audit service did not answer within its deadline (problem document, `Retry-After`).' })
@Controller('v1/audit')
export class AuditController {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Audit events of the workspace, newest first, filtered and cursor-paginated' })
  @ApiOkResponse({ type: AuditPage })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListAuditQuery): Promise<AuditPage> {
    return this.bus.request(QueryAudit, { ...query, workspaceId: principal.workspaceId });
  }

  @Get('verify')
  @ApiOperation({ summary: "Walks the workspace's hash chain and reports the first broken link" })
  @ApiOkResponse({ type: AuditVerification })
  verify(@CurrentPrincipal() principal: Principal): Promise<AuditVerification> {
    return this.bus.request(VerifyAudit, { workspaceId: principal.workspaceId });
  }

  @Get('export')
  @ApiOperation({ summary: 'Audit events of a time range as NDJSON, oldest first, streamed' })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({ description: 'One AuditEntry per line' })
  async export(@CurrentPrincipal() principal: Principal, @Query() query: ExportAuditQuery, @Res() res: Response): Promise<void> {
    // the route table in ../auth does not list this route yet, so the role is checked here too
    if (!roleAllows(principal.role, 'audit:read')) {
      throw new ProblemException('forbidden', 'Forbidden', 403, { detail: `Role ${principal.role} may not export the audit log.` });
    }
    const request: QueryAuditRequest = { ...query, workspaceId: principal.workspaceId, order: 'asc', limit: EXPORT_PAGE };
    // the first page is fetched before any byte is sent, so a bad filter or a missing service is still a problem document
    let page = await this.bus.request(QueryAudit, request);
    let closed = false;
    res.on('close', () => (closed = true));
    res.status(200).type('application/x-ndjson').setHeader('Content-Disposition', `attachment; filename="audit-${principal.workspaceId}.ndjson"`);
    for (;;) {
      if (page.items.length > 0 && !res.write(page.items.map((item) => `${JSON.stringify(item)}\n`).join(''))) {
        await new Promise<void>((resolve) => {
          res.once('drain', resolve);
          res.once('close', resolve);
        });
      }
      if (!page.nextCursor || closed) break;
      try {
        page = await this.bus.request(QueryAudit, { ...request, cursor: page.nextCursor });
      } catch (error) {
        // headers are gone: cutting the connection is the only way to tell the client the file is incomplete
        this.logger.error({ err: error, workspaceId: principal.workspaceId }, 'audit export aborted');
        res.destroy(error instanceof Error ? error : new Error(String(error)));
        return;
      }
    }
    res.end();
  }
}
