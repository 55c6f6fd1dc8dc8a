import { RemoteError } from '@junction/platform/ports';
import { roleAllows, type CallerRef, type Permission } from '@junction/auth/contracts';
import type { AuditActor } from '@junction/audit/contracts';

/** The service's own check of the role table: a request that skipped the gateway meets it here. */
export function assertAllowed(caller: CallerRef, permission: Permission): void {
  if (!roleAllows(caller.role, permission)) throw new RemoteError('forbidden', `role ${caller.role} may not ${permission.replace(':', ' ')}`);
}

export function actorOf(caller: CallerRef): AuditActor {
  return { type: caller.kind, id: caller.id };
}

export const DEFAULT_PAGE_SIZE = 50;
