import { Injectable } from '@nestjs/common';
import type { AuditVerification, VerifyAuditRequest } from '@junction/audit/contracts';
import { AuditEventStore, type WorkspaceScope } from '@junction/audit/data-access';
import { ChainVerifier, GENESIS } from '@junction/audit/domain';
import { RemoteError } from '@junction/platform/ports';

const BATCH = 1000;

/** Walks one workspace's chain from its start (genesis, or retention's anchor), a batch at a time. */
@Injectable()
export class AuditVerifier {
  constructor(private readonly store: AuditEventStore) {}

  /** `deadline` (epoch ms): past it the caller has stopped waiting, so the walk stops too. */
  async verify(request: VerifyAuditRequest, deadline = Number.POSITIVE_INFINITY): Promise<AuditVerification> {
    const scope = { workspaceId: request.workspaceId };
    const first = await this.walk(scope, deadline);
    if (first.valid) return first;
    // retention may have dropped the start of the chain while we walked: then walk once more
    const anchor = await this.store.retentionAnchor(scope);
    return anchor?.seq !== first.startsAfter?.seq ? this.walk(scope, deadline) : first;
  }

  private async walk(scope: WorkspaceScope, deadline: number): Promise<AuditVerification> {
    const anchor = await this.store.retentionAnchor(scope);
    // read before the walk: whatever is listed now was committed before the walk starts, so a
    // row appended meanwhile cannot look missing
    const lastStored = await this.store.lastStored(scope);
    const verifier = new ChainVerifier(anchor ?? GENESIS);
    let after = anchor?.seq ?? 0;
    while (!verifier.firstBreak) {
      if (Date.now() > deadline) throw new RemoteError('unavailable', `verification passed its deadline after ${verifier.checked} rows`);
      const rows = await this.store.walk(scope, after, BATCH);
      for (const row of rows) if (verifier.check(row)) break;
      if (rows.length < BATCH) break;
      after = rows[rows.length - 1].seq;
    }
    let broken = verifier.firstBreak;
    if (!broken && lastStored && lastStored.seq > verifier.lastGoodSeq) {
      const seq = verifier.lastGoodSeq + 1;
      broken = {
        id: (await this.store.storedId(scope, seq)) ?? lastStored.id,
        seq,
        reason: 'rows_missing',
        detail: `rows ${seq} to ${lastStored.seq} were stored and are missing`,
      };
    }
    return {
      valid: !broken,
      checked: verifier.checked,
      lastValidSeq: verifier.lastGoodSeq,
      ...(anchor ? { startsAfter: { seq: anchor.seq, hash: anchor.hash, droppedAt: anchor.droppedAt.toISOString() } } : {}),
      ...(broken ? { firstBroken: broken } : {}),
    };
  }
}
