import { Injectable } from '@nestjs/common';
import {
  DecideApproval,
  DecideApprovalLink,
  GetApproval,
  ListApprovals,
  OpenApprovalLink,
  type ApprovalLinkRequest,
  type ApprovalLinkView,
  type ApprovalList,
  type ApprovalRef,
  type ApprovalView,
  type DecideApprovalRequest,
  type ListApprovalsRequest,
} from '@junction/executor/contracts';
import { OnRequest } from '@junction/platform/messaging';
import { Approvals } from './approvals';

/** The approval subjects: thin bindings to `Approvals`. */
@Injectable()
export class ApprovalHandlers {
  constructor(private readonly approvals: Approvals) {}

  @OnRequest(ListApprovals)
  list(request: ListApprovalsRequest): Promise<ApprovalList> {
    return this.approvals.list(request);
  }

  @OnRequest(GetApproval)
  get(request: ApprovalRef): Promise<ApprovalView> {
    return this.approvals.get(request);
  }

  @OnRequest(DecideApproval)
  decide(request: DecideApprovalRequest): Promise<ApprovalView> {
    return this.approvals.decide(request);
  }

  @OnRequest(OpenApprovalLink)
  open(request: ApprovalLinkRequest): Promise<ApprovalLinkView> {
    return this.approvals.openLink(request);
  }

  @OnRequest(DecideApprovalLink)
  decideLink(request: ApprovalLinkRequest): Promise<ApprovalLinkView> {
    return this.approvals.decideLink(request);
  }
}
