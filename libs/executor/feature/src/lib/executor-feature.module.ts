import { IdempotencyModule } from '@junction/platform/idempotency';
import { type DynamicModule, Module } from '@nestjs/common';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { EXECUTOR_ENTITIES, EXECUTOR_MIGRATIONS } from '@junction/executor/data-access';
import { ApprovalHandlers } from './approval.handlers';
import { Approvals } from './approvals';
import { BacklogReporter } from './backlog-reporter';
import { ChildJobs } from './child-jobs';
import { ConnectorHooks } from './connector-hooks';
import { DeadLetterHandlers } from './dead-letter.handlers';
import { DeadLetterKeeper } from './dead-letter-keeper';
import { DeadLetterService } from './dead-letter.service';
import { ExecutorAudit } from './executor-audit';
import { EXECUTOR_OPTIONS, executorOptions, type ExecutorOptions } from './executor.options';
import { ExecutorHandlers } from './executor.handlers';
import { ExpressionWorkers } from './expression-workers';
import { FlowGate } from './flow-gate';
import { JobDispatcher } from './job-dispatcher';
import { EffectLedger } from './effect-ledger';
import { JobDriver } from './job-driver';
import { JobWaits } from './job-waits';
import { EventHandlers } from './event.handlers';
import { JobService } from './job.service';
import { WorkspaceSettingsService } from './workspace-settings.service';
import { JobSignals } from './job-signals';
import { RecipeCatalog } from './recipe-catalog';
import { RecipeSchedules } from './recipe-schedules';
import { RecipeService } from './recipe.service';
import { ReplayHandlers } from './replay.handlers';
import { ReplayService } from './replay.service';
import { ConnectionRefsResolver } from './connection-refs';
import { SensitiveFields } from './sensitive-fields';
import { StepInvoker } from './step-invoker';
import { TriggerIntake } from './trigger-intake';

/** The executor's own database, for the service definition (apps do not import data-access). */
export const executorDatabase = { entities: EXECUTOR_ENTITIES, migrations: EXECUTOR_MIGRATIONS };

@Module({})
export class ExecutorFeatureModule {
  static forRoot(options: Partial<ExecutorOptions> = {}): DynamicModule {
    return {
      module: ExecutorFeatureModule,
      // Idempotency-Key of the creates this service owns, kept in its database
      imports: [IdempotencyModule.forOwner('executor')],
      providers: [
        { provide: EXECUTOR_OPTIONS, useValue: executorOptions(options) },
        RecipeCatalog,
        RecipeService,
        ConnectionRefsResolver,
        RecipeSchedules,
        ConnectorHooks,
        ExecutorAudit,
        JobService,
        WorkspaceSettingsService,
        JobSignals,
        StepInvoker,
        { provide: SensitiveFields, inject: [MESSAGE_BUS], useFactory: (bus: MessageBus) => new SensitiveFields(bus) },
        ChildJobs,
        ExpressionWorkers,
        JobDriver,
        JobWaits,
        EventHandlers,
        EffectLedger,
        FlowGate,
        JobDispatcher,
        DeadLetterKeeper,
        TriggerIntake,
        DeadLetterService,
        DeadLetterHandlers,
        Approvals,
        ApprovalHandlers,
        ReplayService,
        ReplayHandlers,
        BacklogReporter,
        ExecutorHandlers,
      ],
    };
  }
}
