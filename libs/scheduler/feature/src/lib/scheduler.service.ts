import { IsInt, Max, Min } from 'class-validator';
import { PlatformEnv } from '@junction/platform/config';
import type { ServiceDefinition } from '@junction/platform/service';
import { SchedulerFeatureModule, schedulerDatabase } from './scheduler-feature.module';
import { schedulerAccess } from './scheduler.access';

class SchedulerEnv extends PlatformEnv {
  override PORT = 3003;
  override METRICS_PORT = 9463;

  /** How often an idle replica looks for due timers, ticks and polls, ms: the takeover bound after a replica dies. */
  @IsInt()
  @Min(50)
  @Max(60_000)
  SCHEDULER_POLL_INTERVAL_MS = 1000;

  /** Rows claimed per transaction. */
  @IsInt()
  @Min(1)
  @Max(1000)
  SCHEDULER_BATCH_SIZE = 100;

  /** A tick at most this late counts as on time rather than missed, ms. */
  @IsInt()
  @Min(1000)
  @Max(3600_000)
  SCHEDULER_MISFIRE_GRACE_MS = 60_000;

  /** Polling triggers this replica runs at once. */
  @IsInt()
  @Min(1)
  @Max(64)
  SCHEDULER_POLL_CONCURRENCY = 4;
}

export const schedulerService: ServiceDefinition<SchedulerEnv> = {
  name: 'scheduler',
  access: schedulerAccess,
  env: SchedulerEnv,
  database: schedulerDatabase,
  imports: (env) => [
    SchedulerFeatureModule.forRoot({
      pollIntervalMs: env.SCHEDULER_POLL_INTERVAL_MS,
      batchSize: env.SCHEDULER_BATCH_SIZE,
      misfireGraceMs: env.SCHEDULER_MISFIRE_GRACE_MS,
      pollConcurrency: env.SCHEDULER_POLL_CONCURRENCY,
    }),
  ],
};
