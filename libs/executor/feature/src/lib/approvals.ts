import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  APPROVAL_ID_RE,
  PAGE_MAX,
  type Actor,
  type ApprovalLinkRequest,
  type ApprovalLinkView,
  type ApprovalList,
  type ApprovalRef,
  type ApprovalView,
  type DecideApprovalRequest,
  type ListApprovalsRequest,
} from '@junction/executor/contracts';
import { ApprovalRepository, type ApprovalRow, type JobRow, type WaitEventInput } from '@junction/executor/data-access';
import { APPROVAL_EVENT, type ApprovalTicket, type Command, type StepResult } from '@junction/executor/domain';
import { RemoteError } from '@junction/platform/ports';
import { signApprovalLink, verifyApprovalLink } from './approval-links';
import { ExecutorAudit } from './executor-audit';
import { EXECUTOR_OPTIONS, type ExecutorOptions } from './executor.options';
import { newApprovalId } from './job-ids';
import { JobWaits } from './job-waits';

type ApprovalCommand = Extract<Command, { type: 'approval' }>;

/** Who decided through a signed link: the link names no one, so the audit log says "link". */
export const LINK_ACTOR: Actor = { type: 'service', id: 'approval-link' };

/**
 * Approval steps' other half: the driver stores an approval (idempotently) and gets its signed
 * links; a person decides through a link (the gateway's public page) or the API. The first
 * decision wins (`UPDATE … WHERE decided_at IS NULL`), is audited, and is delivered as the event
 * `$approval` keyed by the approval id, which resumes the waiting job.
 */
@Injectable()
export class Approvals {
  private key?: Promise<Buffer>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly waits: JobWaits,
    private readonly audit: ExecutorAudit,
    @Inject(EXECUTOR_OPTIONS) private readonly options: ExecutorOptions,
  ) {}

  /** The driver's `approval` command: the approval of this step execution and its links. */
  async create(row: JobRow, command: ApprovalCommand): Promise<StepResult> {
    const stored = await new ApprovalRepository(this.dataSource.manager).createOnce({
      id: newApprovalId(),
      workspaceId: row.workspaceId,
      jobId: row.id,
      recipeId: row.recipeId,
      stepId: command.stepId,
      stepKey: command.stepKey,
      idempotencyKey: command.idempotencyKey,
      title: command.title,
      description: command.description,
      expiresAt: new Date(command.expiresAt),
    });
    return { ok: true, stepKey: command.stepKey, output: await this.ticket(stored) };
  }

  /**
   * Before an approval step's wait is registered: a decision `record` stored whose event a crash
   * kept from being delivered (it fell between the two writes) is delivered now, so the wait takes
   * it instead of sleeping to the expiry. Idempotent by the event id: a delivered decision is a duplicate.
   */
  async redeliver(workspaceId: string, approvalId: string): Promise<void> {
    if (!APPROVAL_ID_RE.test(approvalId)) return;
    const row = await new ApprovalRepository(this.dataSource.manager).find({ workspaceId, id: approvalId });
    if (row?.decidedAt) await this.deliver(row);
  }

  async list(request: ListApprovalsRequest): Promise<ApprovalList> {
    const limit = Math.min(request.limit ?? 50, PAGE_MAX);
    const rows = await new ApprovalRepository(this.dataSource.manager).list({
      workspaceId: request.workspaceId,
      state: request.state,
      cursor: request.cursor,
      limit: limit + 1,
      now: new Date(),
    });
    const page = rows.slice(0, limit);
    return { items: page.map(toView), ...(rows.length > limit ? { nextCursor: page[page.length - 1].id } : {}) };
  }

  async get(ref: ApprovalRef): Promise<ApprovalView> {
    const row = await new ApprovalRepository(this.dataSource.manager).find(ref);
    if (!row) throw new RemoteError('not_found', `approval ${ref.id} not found`);
    return toView(row);
  }

  /** A decision through the API (the operator role or above, checked by the gateway). */
  async decide(request: DecideApprovalRequest): Promise<ApprovalView> {
    const actor = request.actor ?? { type: 'service', id: 'executor' };
    const scope = { workspaceId: request.workspaceId, id: request.id };
    const decided = await this.record(scope, request.decision, request.comment ?? null, actor, 'api');
    if (decided) return toView(decided);
    const row = await new ApprovalRepository(this.dataSource.manager).find(scope);
    if (!row) throw new RemoteError('not_found', `approval ${request.id} not found`);
    if (row.decidedAt) {
      await this.deliver(row);
      throw new RemoteError('conflict', `approval ${request.id} was already ${row.decision}`);
    }
    if (row.cancelledAt) throw new RemoteError('conflict', `approval ${request.id} was closed undecided: its job ${row.jobId} was cancelled`);
    throw new RemoteError('conflict', `approval ${request.id} expired at ${row.expiresAt.toISOString()}`);
  }

  /** What a link's page shows; `invalid_request` for a token this executor did not sign. */
  async openLink(request: ApprovalLinkRequest): Promise<ApprovalLinkView> {
    const { claims, row } = await this.linked(request.token);
    return linkView(row, claims.decision, linkState(row, claims.expiresAt));
  }

  /** The link's POST: decides once, before it expires. */
  async decideLink(request: ApprovalLinkRequest): Promise<ApprovalLinkView> {
    const { claims, row } = await this.linked(request.token);
    const state = linkState(row, claims.expiresAt);
    if (state !== 'open') {
      if (row.decidedAt) await this.deliver(row);
      return linkView(row, claims.decision, state);
    }
    const decided = await this.record({ workspaceId: row.workspaceId, id: row.id }, claims.decision, request.comment ?? null, LINK_ACTOR, 'link');
    if (decided) return linkView(decided, claims.decision, 'decided');
    const now = await new ApprovalRepository(this.dataSource.manager).find({ workspaceId: row.workspaceId, id: row.id });
    return linkView(now ?? row, claims.decision, linkState(now ?? row, claims.expiresAt));
  }

  private async linked(token: string): Promise<{ claims: NonNullable<ReturnType<typeof verifyApprovalLink>>; row: ApprovalRow }> {
    const claims = verifyApprovalLink(await this.linkKey(), token);
    if (!claims || !APPROVAL_ID_RE.test(claims.approvalId))
      throw new RemoteError('invalid_request', 'this approval link is not valid', [{ path: 'token', message: 'is not a valid approval link' }]);
    const row = await new ApprovalRepository(this.dataSource.manager).find({ workspaceId: claims.workspaceId, id: claims.approvalId });
    if (!row) throw new RemoteError('not_found', 'the approval of this link no longer exists');
    return { claims, row };
  }

  /** The first decision: stored, audited, delivered to the waiting job. Undefined when decided or expired already. */
  private async record(
    scope: { workspaceId: string; id: string },
    verb: 'approve' | 'reject',
    comment: string | null,
    actor: Actor,
    via: 'api' | 'link',
  ): Promise<ApprovalRow | undefined> {
    const decision = verb === 'approve' ? 'approved' : 'rejected';
    // the decision and its event commit together: a crash cannot leave a decided approval its waiting job never hears of
    const row = await this.waits.deliverWith(async (em) => {
      const decided = await new ApprovalRepository(em).decide(scope, { decision, comment, decidedBy: actor, now: new Date() });
      return decided ? { value: decided, workspaceId: decided.workspaceId, event: decisionEvent(decided) } : undefined;
    });
    if (!row) return undefined;
    await this.audit.record(
      { workspaceId: scope.workspaceId, actor },
      'approval.decided',
      { type: 'approval', id: row.id },
      {
        decision,
        via,
        jobId: row.jobId,
        stepKey: row.stepKey,
        ...(comment !== null ? { comment } : {}),
      },
    );
    return row;
  }

  /** Idempotent by the event id: a retry after a failed delivery (or a second click) resumes nothing twice. */
  private async deliver(row: ApprovalRow): Promise<void> {
    await this.waits.deliver(row.workspaceId, decisionEvent(row));
  }

  private async ticket(row: ApprovalRow): Promise<ApprovalTicket> {
    const key = await this.linkKey();
    const claims = { approvalId: row.id, workspaceId: row.workspaceId, expiresAt: row.expiresAt.getTime() };
    const base = `${this.options.publicUrl}/approvals/`;
    return {
      id: row.id,
      approveUrl: base + signApprovalLink(key, { ...claims, decision: 'approve' }),
      rejectUrl: base + signApprovalLink(key, { ...claims, decision: 'reject' }),
      expiresAt: row.expiresAt.toISOString(),
    };
  }

  private linkKey(): Promise<Buffer> {
    this.key ??= new ApprovalRepository(this.dataSource.manager).linkKey(randomBytes(32)).catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return this.key;
  }
}

/** The `$approval` event of a decision, keyed by the approval id; its data uses the step output's names (PRODUCT §3), so a replay's recorded output reads back the same. */
function decisionEvent(row: ApprovalRow): WaitEventInput {
  const by = row.decidedBy;
  return {
    name: APPROVAL_EVENT,
    key: row.id,
    id: `approval:${row.id}`,
    data: {
      decision: row.decision,
      comment: row.comment,
      by: !by || (by.type === LINK_ACTOR.type && by.id === LINK_ACTOR.id) ? 'link' : `${by.type}:${by.id}`,
      at: row.decidedAt?.toISOString() ?? null,
    },
  };
}

function linkState(row: ApprovalRow, linkExpiresAt: number): ApprovalLinkView['state'] {
  if (row.decidedAt) return 'used';
  if (row.cancelledAt) return 'cancelled';
  if (Math.min(linkExpiresAt, row.expiresAt.getTime()) <= Date.now()) return 'expired';
  return 'open';
}

function linkView(row: ApprovalRow, decision: 'approve' | 'reject', state: ApprovalLinkView['state']): ApprovalLinkView {
  return {
    id: row.id,
    title: row.title,
    ...(row.description !== null ? { description: row.description } : {}),
    decision,
    expiresAt: row.expiresAt.toISOString(),
    state,
    ...(row.decision ? { outcome: row.decision } : {}),
  };
}

export function toView(row: ApprovalRow): ApprovalView {
  const state = row.decidedAt ? 'decided' : row.cancelledAt ? 'cancelled' : row.expiresAt.getTime() <= Date.now() ? 'expired' : 'pending';
  return {
    id: row.id,
    jobId: row.jobId,
    recipeId: row.recipeId,
    stepId: row.stepId,
    stepKey: row.stepKey,
    title: row.title,
    ...(row.description !== null ? { description: row.description } : {}),
    state,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    ...(row.decision ? { decision: row.decision } : {}),
    ...(row.comment !== null ? { comment: row.comment } : {}),
    ...(row.decidedBy ? { decidedBy: row.decidedBy as Actor } : {}),
    ...(row.decidedAt ? { decidedAt: row.decidedAt.toISOString() } : {}),
    ...(row.cancelledAt ? { cancelledAt: row.cancelledAt.toISOString() } : {}),
  };
}
