import { Module } from '@nestjs/common';
import { WorkspaceSettingsController } from './workspace-settings.controller';

@Module({ controllers: [WorkspaceSettingsController] })
export class WorkspaceSettingsApiModule {}
