import { AuditEventRecorded } from '@junction/audit/contracts';
import type { ServiceAccess } from '@junction/platform/ports';
import { CancelTimer, ConnectorsPoll, CreateTimer, DeleteSchedule, GetSchedule, RecordPolled, TickFired, TimerFired, UpsertSchedule } from '@junction/scheduler/contracts';

/** Everything scheduler does on NATS: its NATS permissions are generated from this (tools/scripts/service-auth.ts). */
export const schedulerAccess: ServiceAccess = {
  service: 'scheduler',
  serves: [UpsertSchedule, GetSchedule, DeleteSchedule, CreateTimer, CancelTimer],
  calls: [ConnectorsPoll],
  publishes: [TickFired, TimerFired, RecordPolled, AuditEventRecorded],
  consumes: [],
};
