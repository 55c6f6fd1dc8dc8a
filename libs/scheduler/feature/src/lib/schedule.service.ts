import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ulid } from 'ulid';
import { RemoteError, type FieldError } from '@junction/platform/ports';
import { ScheduleRepository, type ScheduleFields, type ScheduleRow } from '@junction/scheduler/data-access';
import type { DeleteScheduleResponse, ScheduleRef, ScheduleView, UpsertScheduleRequest } from '@junction/scheduler/contracts';
import { nextTickAfter, validateScheduleSpec, type Clock, type ScheduleSpec } from '@junction/scheduler/domain';
import { toScheduleView } from './schedule-mapping';
import { SCHEDULER_CLOCK } from './scheduler.options';

const UNIQUE_VIOLATION = '23505';

/** Create, replace, read and delete recipe schedules: the executor calls these over NATS. */
@Injectable()
export class ScheduleService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SCHEDULER_CLOCK) private readonly clock: Clock,
  ) {}

  async upsert(request: UpsertScheduleRequest): Promise<ScheduleView> {
    const spec = this.validate(request);
    try {
      return await this.upsertOnce(request, spec);
    } catch (error) {
      // two first upserts of one recipe raced on the unique key: the second now finds the row
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      return this.upsertOnce(request, spec);
    }
  }

  async get(ref: ScheduleRef): Promise<ScheduleView> {
    const row = await new ScheduleRepository(this.dataSource.manager).findByRecipe(ref);
    if (!row) throw new RemoteError('not_found', `no schedule for recipe "${ref.recipeId}"`);
    return toScheduleView(row);
  }

  async delete(ref: ScheduleRef): Promise<DeleteScheduleResponse> {
    return { deleted: await new ScheduleRepository(this.dataSource.manager).delete(ref) };
  }

  private upsertOnce(request: UpsertScheduleRequest, spec: ScheduleSpec): Promise<ScheduleView> {
    return this.dataSource.transaction(async (em) => {
      const schedules = new ScheduleRepository(em);
      const now = this.clock.now();
      const enabled = request.enabled ?? true;
      const existing = await schedules.findByRecipeForUpdate(request);
      const fields = this.fieldsOf(request, existing, now);
      const specChanged =
        !existing ||
        existing.cronExpression !== fields.cronExpression ||
        existing.timezone !== fields.timezone ||
        existing.intervalMs !== fields.intervalMs ||
        existing.kind !== fields.kind;
      const effectiveSpec: ScheduleSpec = spec.kind === 'interval' ? { ...spec, anchor: fields.intervalAnchor ?? now } : spec;
      // an unchanged, still-enabled schedule keeps its next tick: re-sending the same upsert never skips one
      const keepNext = existing && !specChanged && existing.enabled && enabled;
      fields.nextFireAt = !enabled ? null : keepNext ? existing.nextFireAt : nextTickAfter(effectiveSpec, now);

      let row: ScheduleRow;
      if (!existing) {
        row = await schedules.insert({ id: ulid(), workspaceId: request.workspaceId, recipeId: request.recipeId, ...fields });
      } else {
        await schedules.update(existing, fields);
        row = (await schedules.findByRecipe(request)) as ScheduleRow;
      }
      if (row.kind === 'poll') {
        await schedules.ensureCursor({ workspaceId: row.workspaceId, scheduleId: row.id });
        const targetChanged = existing && (existing.connectorKey !== row.connectorKey || existing.triggerKey !== row.triggerKey || existing.connectionId !== row.connectionId);
        // another trigger's cursor means nothing to this one
        if (targetChanged) await schedules.resetCursor({ workspaceId: row.workspaceId, scheduleId: row.id });
      }
      return toScheduleView(row);
    });
  }

  private fieldsOf(request: UpsertScheduleRequest, existing: ScheduleRow | null, now: Date): ScheduleFields {
    const sameInterval = existing?.intervalMs !== null && existing?.intervalMs === request.intervalMs;
    return {
      kind: request.kind,
      cronExpression: request.cron?.expression ?? null,
      timezone: request.cron?.timezone ?? null,
      intervalMs: request.intervalMs ?? null,
      intervalAnchor: request.intervalMs === undefined ? null : sameInterval ? (existing?.intervalAnchor ?? now) : now,
      misfirePolicy: request.misfire?.policy ?? 'skip',
      maxCatchUp: request.misfire?.policy === 'catch_up' ? (request.misfire.maxCatchUp ?? 1) : null,
      enabled: request.enabled ?? true,
      nextFireAt: null,
      connectorKey: request.poll?.connectorKey ?? null,
      triggerKey: request.poll?.trigger ?? null,
      connectionId: request.poll?.connectionId ?? null,
      triggerInput: request.poll?.input ?? null,
    };
  }

  /** Rules the payload classes cannot express alone; every problem is reported with its path. */
  private validate(request: UpsertScheduleRequest): ScheduleSpec {
    const errors: FieldError[] = [];
    if ((request.cron === undefined) === (request.intervalMs === undefined)) {
      errors.push({ path: 'cron', message: 'exactly one of cron and intervalMs is required' });
    }
    if (request.kind === 'poll' && !request.poll) errors.push({ path: 'poll', message: 'is required for a poll schedule' });
    if (request.kind === 'tick' && request.poll) errors.push({ path: 'poll', message: 'is only allowed for a poll schedule' });
    const spec: ScheduleSpec = request.cron
      ? { kind: 'cron', expression: request.cron.expression, timezone: request.cron.timezone }
      : { kind: 'interval', everyMs: request.intervalMs ?? 0, anchor: new Date(0) };
    if (errors.length === 0) errors.push(...validateScheduleSpec(spec));
    if (errors.length > 0) throw new RemoteError('invalid_request', errors.map((e) => `${e.path} ${e.message}`).join('; '), errors);
    return spec;
  }
}
