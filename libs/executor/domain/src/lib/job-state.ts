import type { ExpressionOffload } from './expression';
import type { StepKind } from '@junction/executor/contracts';

import type { RerunRecord } from './rerun-version';
import type { StepErrorKind } from './retry';

/**
 * A job's whole progress as plain JSON: the executor checkpoints it after every command and
 * continues from a parsed copy after a crash. Nothing in it depends on object identity.
 */
export interface JobState {
  version: 1;
  jobId: string;
  status: JobStatus;
  /** Seed of the deterministic retry jitter. */
  seed: number;
  /** Attempt group: part of every idempotency key; a rerun starts a new group. */
  group: number;
  /** Visible to expressions as `job`. */
  job: { id: string; startedAt?: string; [key: string]: unknown };
  /** Epoch ms after which the job fails (from `settings.timeout`). */
  deadline?: number;
  trigger: unknown;
  /** Outputs by step id; inside a forEach, the latest iteration's. */
  steps: Record<string, unknown>;
  vars: Record<string, unknown>;
  /**
   * The cursor: innermost frame last. A failed job keeps it at the failed step (for rerun).
   * While a forEach with concurrency > 1 (or a parallel step) runs, its `parallel` (`branches`)
   * frame is on top and each running iteration (branch), a lane, has its own cursor and pending
   * command inside that frame.
   */
  stack: Frame[];
  /** The command issued and not yet completed (null while lanes of a parallel forEach or a parallel step run). */
  pending: Pending | null;
  error?: JobError;
  /** Every rerun, oldest first (the last few): which version each ran on and what it kept. */
  reruns?: RerunRecord[];
}

export type JobStatus = 'running' | 'succeeded' | 'failed' | 'stopped' | 'cancelled';

export type Frame =
  /** Position `index` in the step list `list` (`root` or `<step id>/<then|else|steps|try|catch>`). */
  | { kind: 'list'; list: string; index: number }
  | { kind: 'forEach'; stepId: string; items: unknown[]; index: number }
  | { kind: 'try'; stepId: string; phase: 'try' | 'catch' }
  /**
   * A forEach with `concurrency` > 1: `next` is the index of the next item to start, `lanes` the
   * iterations running now (at most `concurrency`, in the order they started). Always the top
   * frame of its cursor while it runs.
   */
  | { kind: 'parallel'; stepId: string; items: unknown[]; next: number; lanes: Lane[] }
  /**
   * A `parallel` step's branches: every branch starts as a lane at once; a lane leaves `lanes`
   * when its branch completes (a rerun never repeats it). Always the top frame of its cursor while
   * it runs. (`parallel` above names the forEach frame, older than this step kind.)
   */
  | { kind: 'branches'; stepId: string; lanes: BranchLane[] };

/** A frame whose lanes run side by side. */
export type LaneFrame = Extract<Frame, { kind: 'parallel' | 'branches' }>;

/**
 * One running iteration of a parallel forEach: item `index`, its own cursor (starting with the
 * body's list frame) and its own pending command. Lanes nest: a lane's stack may hold a
 * parallel frame of an inner forEach.
 */
export interface Lane {
  index: number;
  stack: Frame[];
  pending: Pending | null;
}

/**
 * One running branch of a `parallel` step, by name, with its own cursor (starting with the
 * branch's list frame) and pending command. `error`: the branch failed for good under mode `all`
 * and waits, its cursor on the failed step, for the others to end.
 */
export interface BranchLane {
  branch: string;
  stack: Frame[];
  pending: Pending | null;
  error?: JobError;
}

export type Pending =
  | {
      kind: 'invoke';
      stepId: string;
      stepKey: string;
      /** Resolved once, at the first attempt: retries and re-drives send the same input. */
      input: unknown;
      attempt: number;
      /** Times an open circuit pushed this step back (not attempts). */
      deferrals: number;
      /** Set while waiting before the next attempt. */
      waitUntil?: number;
      waitReason?: 'retry' | 'deferred';
    }
  | { kind: 'delay'; stepId: string; stepKey: string; until: number }
  /** A waitFor step: asleep until the event `event` arrives or `until` passes (the executor decides which and answers the `await` command). */
  | { kind: 'await'; stepId: string; stepKey: string; event: { name: string; key: string }; until: number }
  | { kind: 'respond'; stepId: string; stepKey: string; response: Reply }
  /**
   * An approval step: `create` (the executor stores the approval and answers its links), then
   * `notify` (its notify action, retried like any action), then `await` (the decision, delivered as
   * the event `$approval` keyed by the approval id, or the expiry).
   */
  | {
      kind: 'approval';
      stepId: string;
      stepKey: string;
      phase: 'create' | 'notify' | 'await';
      title: string;
      description: string | null;
      expiresAt: number;
      ticket?: ApprovalTicket;
      /** notify: the rendered input, its attempt and the wait before the next attempt (as an invoke's). */
      input?: unknown;
      attempt: number;
      deferrals: number;
      waitUntil?: number;
      waitReason?: 'retry' | 'deferred';
    };

/** What the executor answers when it stores an approval: visible to the notify input as `approval`. */
export interface ApprovalTicket {
  id: string;
  approveUrl: string;
  rejectUrl: string;
  /** ISO 8601. */
  expiresAt: string;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Why a step or a job failed. `details` carries what the connector kept (status, response body). */
export interface JobError {
  stepId: string;
  stepKey: string;
  kind: StepErrorKind | 'expression' | 'invalid' | 'stopped' | 'timeout';
  message: string;
  attempt?: number;
  details?: unknown;
}

/** The outcome of an `invoke` or `call` command, as the executor got it from the connector/child job. */
export type StepResult =
  | { ok: true; output?: unknown; attempt?: number; stepKey?: string }
  | { ok: false; error: { kind: StepErrorKind | 'timeout'; message: string; retryAfterMs?: number; details?: unknown }; attempt?: number; stepKey?: string };

export interface AdvanceInput {
  /** The executor's clock, epoch ms: the engine has none. */
  now: number;
  /**
   * The result of a pending command, named by its `stepKey` (required when several commands
   * are pending; without it the only pending command is meant). Without a result, every pending
   * invoke/call/respond is issued again (a re-drive after a crash) and every wait is checked
   * against `now`. With one, the other lanes' waits are checked against `now` too.
   */
  result?: StepResult;
  /** Where expressions that run past the inline budget are evaluated (the executor's worker pool); without one they fail at the timeout. */
  offload?: ExpressionOffload;
}

export type Command =
  | {
      type: 'invoke';
      stepId: string;
      /** Step id plus forEach iteration indices, e.g. `post[3]`: unique per execution of a step. */
      stepKey: string;
      action: string;
      connection?: string;
      input: unknown;
      attempt: number;
      maxAttempts: number;
      /** `<job id>:<step key>:<attempt group>`: the same for every attempt and re-drive of this step. */
      idempotencyKey: string;
      timeoutMs?: number;
    }
  | {
      type: 'call';
      stepId: string;
      stepKey: string;
      recipeId: string;
      input: unknown;
      /** Complete the command with the child job's output (true) or once it is queued (false). */
      wait: boolean;
      attempt: number;
      idempotencyKey: string;
    }
  | { type: 'wait'; until: number; reason: 'delay' | 'retry' | 'deferred'; stepId: string; stepKey: string }
  /** Send this reply to the caller of an API-callable recipe, then complete with `{ ok: true }`; the job goes on. */
  | ({ type: 'respond'; stepId: string; stepKey: string } & Reply)
  /** Store an approval (idempotent on `idempotencyKey`: job, step key and attempt group) and complete with its `ApprovalTicket`. */
  | { type: 'approval'; stepId: string; stepKey: string; title: string; description: string | null; expiresAt: number; idempotencyKey: string }
  /**
   * Sleep until the event `event.name` with key `event.key` arrives (complete with
   * `{ name, key, id, data, receivedAt }`) or `until` passes (complete with an error of kind `timeout`).
   */
  | { type: 'await'; stepId: string; stepKey: string; event: { name: string; key: string }; until: number }
  | { type: 'finish'; status: 'succeeded' | 'failed' | 'stopped' | 'cancelled'; error?: JobError; reason?: string };

/** What happened to one step during an advance, for the executor's step rows. */
export interface StepRecord {
  stepId: string;
  stepKey: string;
  kind: StepKind;
  status: 'succeeded' | 'failed' | 'retrying' | 'deferred';
  attempt?: number;
  input?: unknown;
  output?: unknown;
  error?: JobError;
}

export interface Advance {
  state: JobState;
  /** The first of `commands`: the only one unless lanes run (a parallel forEach, a parallel step). */
  command: Command;
  /**
   * Every command issuable now, one per pending step (lanes in the order they started), or the
   * single `finish`. The executor runs those not already in flight and drops in-flight ones no
   * longer listed (lanes abandoned by a failure): their results are stale.
   */
  commands: Command[];
  /** Steps completed, failed or retried during this advance, in order. */
  records: StepRecord[];
}

/** A result carried the attempt number of another attempt than the pending one: a stale worker. */
export class StaleResultError extends Error {
  override readonly name = 'StaleResultError';
  constructor(
    readonly stepKey: string,
    readonly pendingAttempt: number | undefined,
    readonly resultAttempt: number,
  ) {
    super(`result for attempt ${resultAttempt} of ${stepKey}, but ${pendingAttempt === undefined ? 'no attempt' : `attempt ${pendingAttempt}`} is pending`);
  }
}

/**
 * Identity of a command across advances: the engine re-issues a pending command unchanged, so a
 * driver running several at once (lanes) knows which are already in flight.
 */
export function commandId(command: Command): string {
  switch (command.type) {
    case 'invoke':
    case 'call':
      return `${command.type}:${command.stepKey}#${command.attempt}`;
    case 'wait':
      return `wait:${command.stepKey}@${command.until}`;
    case 'respond':
      return `respond:${command.stepKey}`;
    case 'approval':
      return `approval:${command.stepKey}`;
    case 'await':
      return `await:${command.stepKey}@${command.until}`;
    case 'finish':
      return 'finish';
  }
}
