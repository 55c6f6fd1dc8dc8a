import type { Recipe } from '@junction/executor/contracts';

import { advance } from './interpreter';
import { start } from './job-lifecycle';
import { commandId, type Command, type JobState, type StepRecord, type StepResult } from './job-state';

type Invocation = Extract<Command, { type: 'invoke' | 'call' }>;
type AwaitCommand = Extract<Command, { type: 'await' }>;

export interface DriveLog {
  final: Extract<Command, { type: 'finish' }>;
  state: JobState;
  /** Every command issued, once each (a command re-issued while in flight is not repeated), then the finish. */
  commands: Command[];
  records: StepRecord[];
  now: number;
  /** The most commands in flight at once. */
  peak: number;
}

/**
 * Which in-flight command completes next: an index into `inFlight` (in the order they were
 * issued). The default completes the oldest first.
 */
export type Pick = (inFlight: readonly Command[], now: number) => number;

/**
 * Runs a job to its end the way an executor would, with `perform` standing in for connectors and
 * child jobs, time jumping to every `wait`. With `roundTrip`, the state crosses JSON.stringify/
 * JSON.parse after every advance, as it does through a Postgres checkpoint. For specs and bench.
 *
 * Several commands (a parallel forEach) are in flight at once; `pick` chooses which completes
 * next (deterministically), each completion is one advance with that command's result (named by
 * its step key), and commands the engine no longer issues (abandoned lanes) are dropped unanswered.
 */
export async function drive(
  recipe: Recipe,
  trigger: unknown,
  perform: (command: Invocation) => StepResult,
  options: {
    jobId?: string;
    now?: number;
    roundTrip?: boolean;
    state?: JobState;
    maxCommands?: number;
    pick?: Pick;
    /**
     * The event an `await` (waitFor) receives, with the time it arrives; `undefined`: none comes and
     * time jumps to the wait's `until` (a `timeout`). Without this option every wait times out.
     */
    events?: (command: AwaitCommand, now: number) => { at: number; data?: unknown; id?: string } | undefined;
  } = {},
): Promise<DriveLog> {
  let now = options.now ?? 1_000_000;
  let state = options.state ?? start(recipe, trigger, options.jobId ?? 'job_1', { now });
  const commands: Command[] = [];
  const records: StepRecord[] = [];
  let inFlight: Command[] = [];
  let peak = 0;
  let result: StepResult | undefined;
  for (let i = 0; i < (options.maxCommands ?? 10_000); i++) {
    if (options.roundTrip) state = JSON.parse(JSON.stringify(state)) as JobState;
    const next = await advance(recipe, state, { now, result });
    state = next.state;
    records.push(...next.records);
    result = undefined;
    if (next.command.type === 'finish') {
      commands.push(next.command);
      return { final: next.command, state, commands, records, now, peak };
    }
    const live = new Map(next.commands.map((c) => [commandId(c), c]));
    inFlight = inFlight.filter((c) => live.has(commandId(c)));
    const known = new Set(inFlight.map(commandId));
    for (const [id, c] of live) {
      if (known.has(id)) continue;
      inFlight.push(c);
      commands.push(c);
    }
    peak = Math.max(peak, inFlight.filter((c) => c.type !== 'wait').length);
    const index = options.pick ? options.pick(inFlight, now) : 0;
    const [command] = inFlight.splice(index, 1);
    if (!command) throw new Error(`pick chose ${index} of ${inFlight.length} commands in flight`);
    switch (command.type) {
      case 'wait':
        now = Math.max(now, command.until);
        break;
      case 'respond':
        result = { ok: true, stepKey: command.stepKey };
        break;
      case 'approval': {
        // what the executor answers once it stored the approval; the decision then comes as an `await` event
        const id = `apr_${command.stepKey}`;
        const output = {
          id,
          approveUrl: `https://junction.test/approvals/${id}.approve`,
          rejectUrl: `https://junction.test/approvals/${id}.reject`,
          expiresAt: new Date(command.expiresAt).toISOString(),
        };
        result = { ok: true, stepKey: command.stepKey, output };
        break;
      }
      case 'await': {
        const event = options.events?.(command, now);
        if (event && event.at < command.until) {
          now = Math.max(now, event.at);
          const output = { ...command.event, id: event.id ?? `evt_${commands.length}`, data: event.data ?? null, receivedAt: new Date(now).toISOString() };
          result = { ok: true, stepKey: command.stepKey, output };
        } else {
          now = Math.max(now, command.until);
          result = { ok: false, stepKey: command.stepKey, error: { kind: 'timeout', message: `no event "${command.event.name}" arrived before the timeout` } };
        }
        break;
      }
      case 'invoke':
      case 'call':
        result = { ...perform(command), stepKey: command.stepKey };
        now += 1;
        break;
      case 'finish':
        throw new Error('a finish command is never in flight');
    }
  }
  throw new Error('job did not finish');
}
