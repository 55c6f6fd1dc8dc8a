import type { Step } from '@junction/executor/contracts';

import type { JobState } from './job-state';
import { RerunConflictError, rerunOn } from './rerun-version';
import { T0, ok, recipeOf } from './spec-kit';
import { drive } from './test-driver';

// A "latest" version written to make a rerun land somewhere it should not: every one is refused
// with a reason, and the failed job's state is left as it was.
describe('hostile: rerun on a latest version that does not fit the failed job', () => {
  const old = recipeOf([
    { id: 'first', action: 'a.first', input: {} },
    { id: 'guard', try: [{ id: 'each', forEach: [1, 2], steps: [{ id: 'send', action: 'a.send', input: {} }] }], catch: [{ id: 'log', set: { x: 1 } }] },
  ]);
  const versions: [string, Step[], RegExp][] = [
    [
      'the container moved to another block',
      [
        { id: 'first', action: 'a.first', input: {} },
        { id: 'each', forEach: [1, 2], steps: [{ id: 'send', action: 'a.send', input: {} }] },
      ],
      /"each"|block/,
    ],
    [
      'the try became an if',
      [
        { id: 'first', action: 'a.first', input: {} },
        { id: 'guard', if: true, then: [{ id: 'each', forEach: [1], steps: [{ id: 'send', action: 'a.send', input: {} }] }] },
      ],
      /guard|block/,
    ],
    [
      'the loop went parallel',
      [
        { id: 'first', action: 'a.first', input: {} },
        { id: 'guard', try: [{ id: 'each', forEach: [1, 2], concurrency: 2, steps: [{ id: 'send', action: 'a.send', input: {} }] }] },
      ],
      /in parallel/,
    ],
    [
      'the failed step moved out of the loop',
      [
        { id: 'first', action: 'a.first', input: {} },
        { id: 'send', action: 'a.send', input: {} },
        { id: 'guard', try: [{ id: 'each', forEach: [1], steps: [{ id: 'other', set: { y: 1 } }] }] },
      ],
      /no longer in block|added before/,
    ],
    [
      'the first step was removed and a new one put before the failed step',
      [
        { id: 'zero', action: 'a.zero', input: {} },
        { id: 'guard', try: [{ id: 'each', forEach: [1, 2], steps: [{ id: 'send', action: 'a.send', input: {} }] }] },
      ],
      /"zero" was added before/,
    ],
  ];

  it.each(versions)('%s: a RerunConflictError with a reason, the failed state untouched', async (_name, steps, reason) => {
    const run = await drive(old, {}, (c) => (c.stepId === 'send' ? { ok: false, error: { kind: 'fatal', message: 'no' } } : ok()), { roundTrip: true });
    // the try caught it; the state is set as a job failed at `send` (uncaught) would have it
    const state = JSON.parse(
      JSON.stringify({ ...run.state, status: 'failed', error: { stepId: 'send', stepKey: 'send[0]', kind: 'fatal', message: 'no' }, stack: failedCursor() }),
    ) as JobState;
    const before = JSON.stringify(state);
    let thrown: unknown;
    try {
      rerunOn(state, { ran: { version: 1, recipe: old }, on: { version: 2, recipe: recipeOf(steps) }, basis: 'latest', now: T0 });
    } catch (error) {
      thrown = error;
    }
    expect([thrown instanceof RerunConflictError, (thrown as Error).message]).toEqual([true, expect.stringMatching(reason)]);
    expect(JSON.stringify(state)).toBe(before);
  });
});

/** The cursor of a job that failed at `send` on the first item, inside the try. */
function failedCursor(): JobState['stack'] {
  return [
    { kind: 'list', list: 'root', index: 2 },
    { kind: 'try', stepId: 'guard', phase: 'try' },
    { kind: 'list', list: 'guard/try', index: 1 },
    { kind: 'forEach', stepId: 'each', items: [1, 2], index: 0 },
    { kind: 'list', list: 'each/steps', index: 0 },
  ];
}
