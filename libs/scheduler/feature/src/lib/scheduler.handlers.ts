import { Injectable } from '@nestjs/common';
import { OnRequest } from '@junction/platform/messaging';
import {
  CancelTimer,
  CreateTimer,
  DeleteSchedule,
  GetSchedule,
  UpsertSchedule,
  type CancelTimerRequest,
  type CancelTimerResponse,
  type CreateTimerRequest,
  type DeleteScheduleResponse,
  type ScheduleRef,
  type ScheduleView,
  type TimerView,
  type UpsertScheduleRequest,
} from '@junction/scheduler/contracts';
import { ScheduleService } from './schedule.service';
import { TimerService } from './timer.service';

@Injectable()
export class SchedulerHandlers {
  constructor(
    private readonly schedules: ScheduleService,
    private readonly timers: TimerService,
  ) {}

  @OnRequest(UpsertSchedule)
  upsertSchedule(request: UpsertScheduleRequest): Promise<ScheduleView> {
    return this.schedules.upsert(request);
  }

  @OnRequest(GetSchedule)
  getSchedule(request: ScheduleRef): Promise<ScheduleView> {
    return this.schedules.get(request);
  }

  @OnRequest(DeleteSchedule)
  deleteSchedule(request: ScheduleRef): Promise<DeleteScheduleResponse> {
    return this.schedules.delete(request);
  }

  @OnRequest(CreateTimer)
  createTimer(request: CreateTimerRequest): Promise<TimerView> {
    return this.timers.create(request);
  }

  @OnRequest(CancelTimer)
  cancelTimer(request: CancelTimerRequest): Promise<CancelTimerResponse> {
    return this.timers.cancel(request);
  }
}
