import { JobRow, JobStepRow, RecipeRow, RecipeVersionRow } from './lib/entities';
import { CreateExecutorTables1764100000000 } from './lib/migrations/1764100000000-create-executor-tables';
import { ClaimJobsFunction1764200000000 } from './lib/migrations/1764200000000-claim-jobs-function';
import { DedupeWindows1765100000000 } from './lib/migrations/1765100000000-dedupe-windows';
import { FailureAlerts1765300000000 } from './lib/migrations/1765300000000-failure-alerts';
import { RecipeNames1765400000000 } from './lib/migrations/1765400000000-recipe-names';
import { RecipeVersionAuthors1765500000000 } from './lib/migrations/1765500000000-recipe-version-authors';
import { JobTraceContext1765617000000 } from './lib/migrations/1765617000000-job-trace-context';
import { DeadLetters1765740000000 } from './lib/migrations/1765740000000-dead-letters';
import { ExecutorIdempotencyKeys1765900000000 } from './lib/migrations/1765900000000-idempotency-keys';
import { EffectLedger1766000000000 } from './lib/migrations/1766000000000-effect-ledger';
import { HttpRequestBody1766200000000 } from './lib/migrations/1766200000000-http-request-body';
import { FlowKeys1766300000000 } from './lib/migrations/1766300000000-flow-keys';
import { JobPriority1766400000000 } from './lib/migrations/1766400000000-job-priority';
import { FlowThrottle1766500000000 } from './lib/migrations/1766500000000-flow-throttle';
import { FlowDebounce1766600000000 } from './lib/migrations/1766600000000-flow-debounce';
import { JobListIndexes1766900000000 } from './lib/migrations/1766900000000-job-list-indexes';
import { JobWaits1767000000000 } from './lib/migrations/1767000000000-job-waits';
import { Approvals1767100000000 } from './lib/migrations/1767100000000-approvals';
import { ApprovalCancelled1767200000000 } from './lib/migrations/1767200000000-approval-cancelled';
import { JobStepInputRef1767900000000 } from './lib/migrations/1767900000000-job-step-input-ref';
import { JobLiveIndex1768000000000 } from './lib/migrations/1768000000000-job-live-index';

export * from './lib/entities';
export * from './lib/job.repository';
export * from './lib/recorded-jobs.repository';
export * from './lib/flow-control.repository';
export * from './lib/alert.repository';
export * from './lib/recipe.repository';
export * from './lib/dead-letter.repository';
export * from './lib/approval.repository';
export * from './lib/effect-ledger.repository';
export * from './lib/job-wait.repository';
export * from './lib/workspace-scope';
export * from './lib/wal-durability';

/** The executor database, for the service definition. */
export const EXECUTOR_ENTITIES = [RecipeRow, RecipeVersionRow, JobRow, JobStepRow];
export const EXECUTOR_MIGRATIONS = [
  CreateExecutorTables1764100000000,
  ClaimJobsFunction1764200000000,
  DedupeWindows1765100000000,
  FailureAlerts1765300000000,
  RecipeNames1765400000000,
  RecipeVersionAuthors1765500000000,
  JobTraceContext1765617000000,
  DeadLetters1765740000000,
  ExecutorIdempotencyKeys1765900000000,
  EffectLedger1766000000000,
  HttpRequestBody1766200000000,
  FlowKeys1766300000000,
  JobPriority1766400000000,
  FlowThrottle1766500000000,
  FlowDebounce1766600000000,
  JobListIndexes1766900000000,
  JobWaits1767000000000,
  Approvals1767100000000,
  ApprovalCancelled1767200000000,
  JobStepInputRef1767900000000,
  JobLiveIndex1768000000000,
];
