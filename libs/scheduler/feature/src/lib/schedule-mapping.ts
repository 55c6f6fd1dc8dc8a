import type { ScheduleRow } from '@junction/scheduler/data-access';
import type { ScheduleView } from '@junction/scheduler/contracts';
import type { MisfirePolicy, ScheduleSpec } from '@junction/scheduler/domain';

export function specOf(row: ScheduleRow): ScheduleSpec {
  if (row.cronExpression !== null) return { kind: 'cron', expression: row.cronExpression, timezone: row.timezone ?? 'UTC' };
  return { kind: 'interval', everyMs: row.intervalMs ?? 0, anchor: row.intervalAnchor ?? row.createdAt };
}

export function misfireOf(row: ScheduleRow): MisfirePolicy {
  return row.misfirePolicy === 'catch_up' ? { policy: 'catch_up', maxCatchUp: row.maxCatchUp ?? 1 } : { policy: 'skip' };
}

/** What leaves the service: no internal columns. */
export function toScheduleView(row: ScheduleRow): ScheduleView {
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    recipeId: row.recipeId,
    kind: row.kind,
    ...(row.cronExpression !== null ? { cron: { expression: row.cronExpression, timezone: row.timezone ?? 'UTC' } } : {}),
    ...(row.intervalMs !== null ? { intervalMs: row.intervalMs } : {}),
    misfire: row.misfirePolicy === 'catch_up' ? { policy: 'catch_up', maxCatchUp: row.maxCatchUp ?? 1 } : { policy: 'skip' },
    enabled: row.enabled,
    ...(row.nextFireAt ? { nextFireAt: row.nextFireAt.toISOString() } : {}),
    ...(row.lastFiredAt ? { lastFireAt: row.lastFiredAt.toISOString() } : {}),
    ...(row.lastMisfireAt ? { lastMisfire: { at: row.lastMisfireAt.toISOString(), skipped: row.lastMisfireSkipped ?? 0, caughtUp: row.lastMisfireCaughtUp ?? 0 } } : {}),
    ...(row.kind === 'poll' && row.connectorKey && row.triggerKey
      ? {
          poll: {
            connectorKey: row.connectorKey,
            trigger: row.triggerKey,
            ...(row.connectionId ? { connectionId: row.connectionId } : {}),
            ...(row.triggerInput ? { input: row.triggerInput } : {}),
          },
        }
      : {}),
  };
}
