// The parts of the public API's resources the console shows (see /docs/openapi.json).

export interface Recipe {
  id: string;
  name: string;
  version: number;
  state: 'stopped' | 'running';
  activeVersion?: number;
  managedBy?: string;
  definition: Record<string, unknown>;
  webhookUrl?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'stopped'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL: readonly string[] = ['succeeded', 'failed', 'cancelled', 'stopped'];

export interface JobSummary {
  id: string;
  recipeId: string;
  recipeVersion: number;
  status: JobStatus;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  error?: unknown;
}

export interface JobStep {
  seq: number;
  stepId: string;
  stepKey: string;
  kind: string;
  status: string;
  attempt?: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  error?: unknown;
  /** Secrets and sensitive fields come back as "[redacted]". */
  input?: unknown;
  output?: unknown;
}

export interface Job extends JobSummary {
  steps: JobStep[];
  /** The job's reruns, oldest first (the last 20). */
  reruns?: RerunView[];
}

/** Which version a rerun runs on: the one the job ran (`ran`) or the recipe's newest (`latest`). */
export type RerunVersion = 'ran' | 'latest';

/** One job's rerun as the API reports it: the version it ran on and the version it runs on now. */
export interface RerunView {
  at: string;
  basis: RerunVersion;
  fromVersion: number;
  version: number;
  kept: string[];
  again: string[];
  dropped: string[];
}

/** The trigger's type of a recipe definition (`webhook`, `schedule`, …), or a dash. */
export function triggerType(recipe: Recipe): string {
  const trigger = recipe.definition['trigger'];
  const type = trigger && typeof trigger === 'object' ? (trigger as Record<string, unknown>)['type'] : undefined;
  return typeof type === 'string' ? type : '—';
}
