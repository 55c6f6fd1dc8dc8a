import { ulid } from 'ulid';
import type { DurableQueue, PublishResult } from '@junction/platform/ports';
import { AuditEventRecorded, type AuditActor, type AuditTarget } from './audit-event.contracts';
import { redactChanges } from './redact-changes';

export interface AuditRecord {
  workspaceId: string;
  actor: AuditActor;
  action: string;
  target: AuditTarget;
  ip?: string;
  changes?: Record<string, unknown>;
  /** Defaults to now. */
  at?: Date;
}

/**
 * The one way any service writes to the audit log: an event on the AUDIT stream, stored by
 * JetStream before `record` resolves, consumed by the audit service whenever it runs.
 */
export class AuditPublisher {
  constructor(
    private readonly queue: DurableQueue,
    private readonly now: () => Date = () => new Date(),
  ) {}

  record(event: AuditRecord): Promise<PublishResult> {
    const id = ulid();
    return this.queue.publish(
      AuditEventRecorded,
      {
        id,
        workspaceId: event.workspaceId,
        actor: event.actor,
        action: event.action,
        target: event.target,
        ...(event.ip ? { ip: event.ip } : {}),
        at: (event.at ?? this.now()).toISOString(),
        ...(event.changes ? { changes: redactChanges(event.changes) as Record<string, unknown> } : {}),
      },
      { msgId: `audit-${id}`, workspaceId: event.workspaceId },
    );
  }
}
