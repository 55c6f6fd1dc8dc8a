import type { Recipe } from '@junction/executor/contracts';

import { advance } from './interpreter';
import { start } from './job-lifecycle';
import type { Command, JobState, StepRecord, StepResult } from './job-state';

type Invocation = Extract<Command, { type: 'invoke' | 'call' }>;

export interface DriveLog {
  final: Extract<Command, { type: 'finish' }>;
  state: JobState;
  commands: Command[];
  records: StepRecord[];
  now: number;
}

/**
 * Runs a job to its end the way an executor would, with `perform` standing in for connectors and
 * child jobs, time jumping to every `wait`. With `roundTrip`, the state crosses JSON.stringify/
 * JSON.parse after every advance, as it does through a Postgres checkpoint. For specs and bench.
 */
export async function drive(
  recipe: Recipe,
  trigger: unknown,
  perform: (command: Invocation) => StepResult,
  options: { jobId?: string; now?: number; roundTrip?: boolean; state?: JobState; maxCommands?: number } = {},
): Promise<DriveLog> {
  let now = options.now ?? 1_000_000;
  let state = options.state ?? start(recipe, trigger, options.jobId ?? 'job_1', { now });
  const commands: Command[] = [];
  const records: StepRecord[] = [];
  let result: StepResult | undefined;
  for (let i = 0; i < (options.maxCommands ?? 10_000); i++) {
    if (options.roundTrip) state = JSON.parse(JSON.stringify(state)) as JobState;
    const next = await advance(recipe, state, { now, result });
    state = next.state;
    records.push(...next.records);
    commands.push(next.command);
    const command = next.command;
    result = undefined;
    switch (command.type) {
      case 'finish':
        return { final: command, state, commands, records, now };
      case 'wait':
        now = Math.max(now, command.until);
        break;
      case 'respond':
        result = { ok: true };
        break;
      case 'invoke':
      case 'call':
        result = perform(command);
        now += 1;
        break;
    }
  }
  throw new Error('job did not finish');
}
