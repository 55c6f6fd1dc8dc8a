import { type DynamicModule, Module } from '@nestjs/common';
import { SCHEDULER_ENTITIES, SCHEDULER_MIGRATIONS } from '@junction/scheduler/data-access';
import { systemClock, type Clock } from '@junction/scheduler/domain';
import { FiringLoop } from './firing-loop';
import { PollRunner } from './poll-runner';
import { ScheduleService } from './schedule.service';
import { SCHEDULER_CLOCK, SCHEDULER_OPTIONS, schedulerOptions, type SchedulerOptions } from './scheduler.options';
import { SchedulerHandlers } from './scheduler.handlers';
import { TickFiring } from './tick-firing';
import { TimerService } from './timer.service';
import { TimerFiring } from './timer-firing';

/** The scheduler's own database, for the service definition (apps do not import data-access). */
export const schedulerDatabase = { entities: SCHEDULER_ENTITIES, migrations: SCHEDULER_MIGRATIONS };

@Module({})
export class SchedulerFeatureModule {
  static forRoot(options: Partial<SchedulerOptions> = {}, clock: Clock = systemClock): DynamicModule {
    return {
      module: SchedulerFeatureModule,
      providers: [
        { provide: SCHEDULER_OPTIONS, useValue: schedulerOptions(options) },
        { provide: SCHEDULER_CLOCK, useValue: clock },
        ScheduleService,
        TimerService,
        SchedulerHandlers,
        TimerFiring,
        TickFiring,
        PollRunner,
        FiringLoop,
      ],
    };
  }
}
