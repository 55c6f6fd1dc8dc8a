import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ulid } from 'ulid';
import { RemoteError } from '@junction/platform/ports';
import { TimerRepository, type TimerRow } from '@junction/scheduler/data-access';
import type { CancelTimerRequest, CancelTimerResponse, CreateTimerRequest, TimerView } from '@junction/scheduler/contracts';

function toTimerView(row: TimerRow, created: boolean): TimerView {
  return {
    workspaceId: row.workspaceId,
    timerId: row.id,
    dueAt: row.dueAt.toISOString(),
    target: row.target,
    created,
    ...(row.firedAt ? { firedAt: row.firedAt.toISOString() } : {}),
  };
}

/** Timers for the executor (`delay` steps, long retry backoffs): stored once, fired once. */
@Injectable()
export class TimerService {
  constructor(private readonly dataSource: DataSource) {}

  async create(request: CreateTimerRequest): Promise<TimerView> {
    const dueAt = new Date(request.dueAt);
    if (Number.isNaN(dueAt.getTime())) throw new RemoteError('invalid_request', 'dueAt is not a date', [{ path: 'dueAt', message: 'is not a date' }]);
    const timers = new TimerRepository(this.dataSource.manager);
    const id = request.timerId ?? ulid();
    const created = await timers.insertIfAbsent({ workspaceId: request.workspaceId, id, dueAt, target: request.target, payload: request.payload ?? null });
    const row = await timers.find({ workspaceId: request.workspaceId, id });
    if (!row) throw new RemoteError('not_found', `timer "${id}" was cancelled meanwhile`);
    if (!created && (row.target !== request.target || row.dueAt.getTime() !== dueAt.getTime())) {
      throw new RemoteError('conflict', `timer "${id}" exists with another dueAt or target`);
    }
    return toTimerView(row, created);
  }

  async cancel(request: CancelTimerRequest): Promise<CancelTimerResponse> {
    return { cancelled: await new TimerRepository(this.dataSource.manager).deleteUnfired({ workspaceId: request.workspaceId, id: request.timerId }) };
  }
}
