import { AuditEventRecorded } from '@junction/audit/contracts';
import { LookupConnectionConnectors } from '@junction/auth/contracts';
import { GetConnector, InvokeAction, TriggerLifecycle } from '@junction/connectors/contracts';
import {
  AwaitRun,
  CancelJob,
  CreateRecipe,
  DeleteRecipe,
  GetJob,
  GetRecipe,
  HookChanged,
  ListJobs,
  ListRecipes,
  RerunJob,
  RerunJobs,
  ResolveTrigger,
  StartRecipe,
  ListRecipeVersions,
  GetRecipeVersion,
  StopRecipe,
  TRIGGER_INTAKE_DURABLE,
  TriggerReceived,
  UpdateRecipe,
  GetWorkspaceSettings,
  PutWorkspaceSettings,
  ListDeadLetters,
  GetDeadLetter,
  RedriveDeadLetters,
  ReplayRecipe,
} from '@junction/executor/contracts';
import { idempotencyAccess } from '@junction/platform/idempotency';
import type { ServiceAccess } from '@junction/platform/ports';
import { DeleteSchedule, GetSchedule, RecordPolled, TickFired, UpsertSchedule } from '@junction/scheduler/contracts';

/** Everything executor does on NATS: its NATS permissions are generated from this (tools/scripts/service-auth.ts). */
export const executorAccess: ServiceAccess = {
  service: 'executor',
  serves: [
    CreateRecipe,
    UpdateRecipe,
    GetRecipe,
    ListRecipes,
    DeleteRecipe,
    StartRecipe,
    ListRecipeVersions,
    GetRecipeVersion,
    StopRecipe,
    ResolveTrigger,
    ListJobs,
    GetJob,
    RerunJob,
    RerunJobs,
    CancelJob,
    AwaitRun,
    GetWorkspaceSettings,
    PutWorkspaceSettings,
    ListDeadLetters,
    GetDeadLetter,
    RedriveDeadLetters,
    ReplayRecipe,
    ...idempotencyAccess('executor'),
  ],
  calls: [UpsertSchedule, GetSchedule, DeleteSchedule, GetConnector, InvokeAction, TriggerLifecycle, LookupConnectionConnectors],
  publishes: [AuditEventRecorded],
  // every gateway drops its cached lookup of a hook whose recipe started or stopped
  emits: [HookChanged],
  consumes: [
    { contract: TriggerReceived, durable: TRIGGER_INTAKE_DURABLE },
    { contract: TickFired, durable: 'executor-tick-intake' },
    { contract: RecordPolled, durable: 'executor-poll-intake' },
  ],
};
