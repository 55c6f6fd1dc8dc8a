import { Module } from '@nestjs/common';
import { ApprovalLinksController } from './approval-links.controller';
import { ApprovalsController } from './approvals.controller';

@Module({ controllers: [ApprovalsController, ApprovalLinksController] })
export class ApprovalsApiModule {}
