import type { CallerRef } from '@junction/auth/contracts';
import type { Principal } from '../shared/principal';

/** What every tenant-scoped auth request carries: the workspace and who asks. */
export function scopedBy(principal: Principal): { workspaceId: string; caller: CallerRef } {
  return { workspaceId: principal.workspaceId, caller: { kind: principal.kind, id: principal.id, role: principal.role } };
}
