import type { JobRow } from '@junction/executor/data-access';
import type { JobState } from '@junction/executor/domain';

/** The engine state as a job row keeps it: the trigger is stored once, in its own column. */
export function storedState(state: JobState): Record<string, unknown> {
  // a rest copy, not a spread then `delete`: a deleted key turns the copy into a slow dictionary
  // object, which JSON.stringify (the checkpoint) walks more slowly
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { trigger, ...stored } = state;
  return stored;
}

/** The engine state of a checkpointed row, its trigger re-attached. */
export function engineState(row: JobRow): JobState {
  return { ...row.state, trigger: row.trigger } as unknown as JobState;
}
