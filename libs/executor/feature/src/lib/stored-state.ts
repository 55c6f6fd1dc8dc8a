import type { JobRow } from '@junction/executor/data-access';
import type { JobState } from '@junction/executor/domain';

/** The engine state as a job row keeps it: the trigger is stored once, in its own column. */
export function storedState(state: JobState): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...state };
  delete copy.trigger;
  return copy;
}

/** The engine state of a checkpointed row, its trigger re-attached. */
export function engineState(row: JobRow): JobState {
  return { ...row.state, trigger: row.trigger } as unknown as JobState;
}
