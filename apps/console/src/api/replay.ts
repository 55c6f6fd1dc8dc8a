import { useMutation } from '@tanstack/react-query';
import { api } from './client';

/** Replay a version over this many of the newest jobs at most (the API's cap per call). */
export const REPLAY_MAX_JOBS = 200;

/** One field that differs: `before` absent means the field is new, `after` absent that it is gone. */
export interface ReplayFieldChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface ReplayedStep {
  stepKey: string;
  stepId: string;
  change: 'same' | 'inputChanged' | 'added' | 'removed';
  inputDiff?: ReplayFieldChange[];
  served?: 'recorded' | 'anew';
}

/** A call the recording cannot answer: the version would make it anew (the replay sent nothing). */
export interface ReplayCall {
  stepKey: string;
  stepId: string;
  action: string;
  connection?: string;
  input: unknown;
  reason: 'inputChanged' | 'added' | 'unfinished';
  continuedWith: 'recorded' | 'null';
}

export interface JobReplay {
  jobId: string;
  steps: ReplayedStep[];
  calls: ReplayCall[];
  output: { before: unknown; after: unknown; diff: ReplayFieldChange[] };
  status: { before: string; after: string };
  approximate: boolean;
  error?: string;
}

/** What `POST /v1/recipes/:id/replay` answers (docs/recipes.md, "Replay against a new version"). */
export interface ReplayResult {
  recipeId: string;
  version: number;
  summary: { jobs: number; changed: number; callsAnew: number };
  jobs: JobReplay[];
}

/** The newest jobs of the recipe a filter matches (`version` there: the version they ran on). */
export interface ReplayFilter {
  status?: string;
  since?: string;
  until?: string;
  version?: number;
  limit?: number;
}

export interface ReplayRequest {
  version: number;
  jobs: { filter: ReplayFilter } | { ids: string[] };
}

/** Replays a version over recorded jobs: nothing is sent and no job is written, so it asks no confirmation. */
export function useReplay(recipeId: string) {
  return useMutation({
    mutationFn: (request: ReplayRequest) => api<ReplayResult>('POST', `/v1/recipes/${encodeURIComponent(recipeId)}/replay`, request),
  });
}

/** Whether the replay changed anything in the job (a step, the output or how it ended). */
export function jobChanged(job: JobReplay): boolean {
  return job.status.before !== job.status.after || job.output.diff.length > 0 || job.steps.some((s) => s.change !== 'same') || job.calls.length > 0 || job.error !== undefined;
}
