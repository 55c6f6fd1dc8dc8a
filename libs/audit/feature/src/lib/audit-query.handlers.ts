import { Injectable } from '@nestjs/common';
import { QueryAudit, VerifyAudit, type AuditPage, type AuditVerification, type QueryAuditRequest, type VerifyAuditRequest } from '@junction/audit/contracts';
import { OnRequest } from '@junction/platform/messaging';
import type { IncomingMeta } from '@junction/platform/ports';
import { AuditReader } from './audit-reader';
import { AuditVerifier } from './audit-verifier';

@Injectable()
export class AuditQueryHandlers {
  constructor(
    private readonly reader: AuditReader,
    private readonly verifier: AuditVerifier,
  ) {}

  @OnRequest(QueryAudit)
  query(request: QueryAuditRequest): Promise<AuditPage> {
    return this.reader.page(request);
  }

  @OnRequest(VerifyAudit)
  verify(request: VerifyAuditRequest, meta: IncomingMeta): Promise<AuditVerification> {
    return this.verifier.verify(request, meta.deadline);
  }
}
