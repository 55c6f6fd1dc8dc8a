import { Inject, Injectable, Optional } from '@nestjs/common';
import type { AuditVerification, VerifyAuditRequest } from '@junction/audit/contracts';
import { AuditEventStore, type WorkspaceScope } from '@junction/audit/data-access';
import { ChainVerifier, GENESIS, type ChainKeys } from '@junction/audit/domain';
import { ServiceMetrics } from '@junction/platform/metrics';
import { RemoteError } from '@junction/platform/ports';
import { AuditMetrics } from './audit-metrics';
import { AUDIT_CHAIN_KEYS } from './tokens';

const BATCH = 1000;

/**
 * Walks one workspace's chain from its start (genesis, or retention's anchor), a batch at a time,
 * checking keyed rows with the key each names.
 */
@Injectable()
export class AuditVerifier {
  private readonly metrics?: AuditMetrics;

  constructor(
    private readonly store: AuditEventStore,
    @Inject(AUDIT_CHAIN_KEYS) private readonly keys: ChainKeys,
    @Optional() metrics?: ServiceMetrics,
  ) {
    this.metrics = metrics && AuditMetrics.of(metrics);
  }

  /** `deadline` (epoch ms): past it the caller has stopped waiting, so the walk stops too. */
  async verify(request: VerifyAuditRequest, deadline = Number.POSITIVE_INFINITY): Promise<AuditVerification> {
    try {
      const verification = await this.verifyOnce(request, deadline);
      this.metrics?.verified(verification.valid ? 'valid' : 'broken');
      return verification;
    } catch (error) {
      this.metrics?.verified('error');
      throw error;
    }
  }

  private async verifyOnce(request: VerifyAuditRequest, deadline: number): Promise<AuditVerification> {
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
    // with keys, unkeyed rows are accepted only up to the workspace's sealed legacy tail
    const seal = this.keys.currentKeyId === undefined ? undefined : await this.store.legacySeal(scope);
    const verifier = new ChainVerifier(anchor ?? GENESIS, this.keys, seal);
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
      keyedRows: verifier.keyedRows,
      ...(verifier.anchorSeq !== undefined ? { keyedFromSeq: verifier.anchorSeq } : {}),
      ...(anchor ? { startsAfter: { seq: anchor.seq, hash: anchor.hash, droppedAt: anchor.droppedAt.toISOString() } } : {}),
      ...(broken ? { firstBroken: broken } : {}),
    };
  }
}
