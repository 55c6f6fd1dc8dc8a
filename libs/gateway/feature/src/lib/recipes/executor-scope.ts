import type { Actor } from '@junction/executor/contracts';
import type { Principal } from '../shared/principal';

/** What an executor mutation carries: the workspace, and who asks for the audit log. */
export function scopeOf(principal: Principal): { workspaceId: string; actor: Actor } {
  return { workspaceId: principal.workspaceId, actor: { type: principal.kind, id: principal.id } };
}
