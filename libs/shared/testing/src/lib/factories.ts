import { ulid } from 'ulid';
import type { CallerRef, Role } from '@junction/auth/contracts';
import type { ActionStep, PollTrigger, Recipe, ScheduleTrigger, TriggerEventPayload } from '@junction/executor/contracts';

/*
 * Valid domain objects with a default for every field, so a test spells out only what it is about.
 * Ids are fresh per call (the shapes the services check: `ws_<ULID>`, `key_<ULID>`, …).
 */

export const aWorkspaceId = (): string => `ws_${ulid()}`;
export const anApiKeyId = (): string => `key_${ulid()}`;
export const aConnectionId = (): string => `conn_${ulid()}`;
export const aRecipeId = (): string => `rcp_${ulid()}`;
export const aJobId = (): string => `job_${ulid()}`;

/** The caller the gateway names on a tenant-scoped request: an admin's API key unless told otherwise. */
export function aCaller(overrides: Partial<CallerRef> & { role?: Role } = {}): CallerRef {
  return { kind: 'api_key', id: anApiKeyId(), role: 'admin', ...overrides };
}

/** `{ workspaceId, caller }`, the scope every tenant request carries. */
export function aScopedRequest(overrides: { workspaceId?: string; caller?: Partial<CallerRef> } = {}): { workspaceId: string; caller: CallerRef } {
  return { workspaceId: overrides.workspaceId ?? aWorkspaceId(), caller: aCaller(overrides.caller) };
}

/** One HTTP action step: the smallest step that does something. */
export function anActionStep(overrides: Partial<ActionStep> = {}): ActionStep {
  return { id: 'post', action: 'http.request', input: { method: 'POST', url: 'https://example.test/hook' }, ...overrides };
}

/** A webhook recipe of one action step; pass `steps`, `trigger` or `settings` to change it. */
export function aRecipe(overrides: Partial<Recipe> = {}): Recipe {
  return { name: 'spec-recipe', trigger: { type: 'webhook' }, steps: [anActionStep()], ...overrides };
}

/** A recipe on a cron schedule (UTC, every five minutes unless told otherwise). */
export function aScheduleRecipe(trigger: Partial<ScheduleTrigger> = {}, overrides: Partial<Recipe> = {}): Recipe {
  return aRecipe({ name: 'spec-schedule', trigger: { type: 'schedule', cron: '*/5 * * * *', ...trigger }, ...overrides });
}

/** A recipe polling a connector's trigger (every minute unless told otherwise). */
export function aPollRecipe(trigger: Partial<PollTrigger> = {}, overrides: Partial<Recipe> = {}): Recipe {
  return aRecipe({ name: 'spec-poll', trigger: { type: 'poll', connector: 'http', trigger: 'new_items', interval: '1m', ...trigger }, ...overrides });
}

/** The event that becomes a job (`executor.trigger.received.v1`): a webhook delivery, received now. */
export function aTriggerEvent(overrides: Partial<TriggerEventPayload> = {}): TriggerEventPayload {
  return {
    workspaceId: aWorkspaceId(),
    recipeId: aRecipeId(),
    kind: 'webhook',
    dedupeKey: `delivery-${ulid()}`,
    receivedAt: new Date().toISOString(),
    data: { headers: {}, query: {}, body: {} },
    ...overrides,
  };
}
