import { Module } from '@nestjs/common';
import { JobEventsController } from './job-events.controller';
import { JobStreamSlots } from './job-stream-slots';
import { JobsController } from './jobs.controller';

@Module({ controllers: [JobsController, JobEventsController], providers: [{ provide: JobStreamSlots, useValue: new JobStreamSlots() }] })
export class JobsApiModule {}
