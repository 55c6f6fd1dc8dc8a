import { Module } from '@nestjs/common';
import { ConnectorsApiModule } from './connectors/connectors-api.module';
import { IngressApiModule } from './ingress/ingress-api.module';
import { AuditApiModule } from './audit/audit-api.module';
import { ApiKeysApiModule } from './api-keys/api-keys-api.module';
import { AuthApiModule } from './auth/auth-api.module';
import { ConnectionsApiModule } from './connections/connections-api.module';
import { WorkspacesApiModule } from './workspaces/workspaces-api.module';
import { RecipesApiModule } from './recipes/recipes-api.module';
import { JobsApiModule } from './jobs/jobs-api.module';
import { ApprovalsApiModule } from './approvals/approvals-api.module';
import { DeadLettersApiModule } from './dead-letters/dead-letters-api.module';
import { EventsApiModule } from './events/events-api.module';
import { WorkspaceSettingsApiModule } from './workspace-settings/workspace-settings-api.module';
import { ConsoleModule } from './console/console.module';

/** The public API: one module per area, each calling its service over the bus; and the web console's files. */
@Module({
  imports: [
    AuthApiModule,
    WorkspacesApiModule,
    ApiKeysApiModule,
    ConnectionsApiModule,
    ConnectorsApiModule,
    IngressApiModule,
    AuditApiModule,
    RecipesApiModule,
    JobsApiModule,
    DeadLettersApiModule,
    EventsApiModule,
    ApprovalsApiModule,
    WorkspaceSettingsApiModule,
    ConsoleModule,
  ],
})
export class GatewayFeatureModule {}
