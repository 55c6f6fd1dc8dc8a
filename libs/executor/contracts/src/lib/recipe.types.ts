/**
 * The recipe format (PRODUCT.md §3) as TypeScript types. `recipeSchema` is the JSON Schema of
 * the same shapes; the executor's engine (`@junction/executor/domain`) validates with it and adds
 * the checks a schema cannot express (unique step ids, expressions that compile, references to
 * earlier steps).
 *
 * Any string value marked {@link Template} may contain `{{ expr }}` (JSONata evaluated against
 * `{ trigger, steps, vars, item, index, job }`); a string that is exactly one `{{ expr }}` keeps the
 * expression's JSON type.
 */

/** A string that may contain `{{ expr }}` placeholders. */
export type Template = string;

/** `500ms`, `30s`, `15m`, `2h`, `1d`, or a number of milliseconds. */
export type Duration = string | number;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface Recipe {
  name: string;
  description?: string;
  trigger: Trigger;
  steps: Step[];
  settings?: RecipeSettings;
}

export interface RecipeSettings {
  /** Jobs of this recipe running at once, or at most `limit` at once per value of `key` (e.g. one per customer). */
  concurrency?: number | KeyedConcurrency;
  /** At most `limit` jobs started per `period` for each value of `key` (the whole recipe without a key); the rest start later. */
  throttle?: { limit: number; period: Duration; key?: string };
  /** A burst of events of one `key` becomes one job with the last event: after `period` without a new one, or at most `maxWait` after the first. */
  debounce?: { period: Duration; key?: string; maxWait?: Duration };
  /** 1–5 (default 3): runnable jobs of a higher priority are claimed first, across recipes. */
  priority?: number;
  /** Deadline of one job, from its start. */
  timeout?: Duration;
  /** The error handler: a recipe (id or name) run with the summary of every failed job (docs/recipes.md, "Error handlers"). */
  onFailure?: { recipe: string };
  /**
   * A crash cut a call to an action that is not idempotent, so whether it ran is unknown (the effect
   * ledger): `fail` (default) ends the job `failed` with the step `uncertain` for a person to review;
   * `retry` sends it again with the same idempotency key, accepting that it may act twice.
   */
  onUncertain?: 'retry' | 'fail';
}

/** At most `limit` jobs at once whose trigger gives the same `key` (a `{{ }}` expression over the trigger). */
export interface KeyedConcurrency {
  limit: number;
  key: string;
}

export type Trigger = WebhookTrigger | ScheduleTrigger | PollTrigger | ManualTrigger;

export interface WebhookTrigger {
  type: 'webhook';
  /** Connector-specific trigger (with the provider's signature scheme and lifecycle). */
  connector?: string;
  trigger?: string;
  connection?: string;
  input?: Record<string, JsonValue>;
  /** Generic HMAC signature check for webhooks without a connector; the secret lives in `connection`. */
  signature?: WebhookSignature;
  /** Header carrying the sender's delivery id, the dedupe key of unsigned hooks (signed ones, and hooks without it, dedupe by a hash of the body). */
  dedupeHeader?: string;
  /** How deliveries are deduped (docs/recipes.md, "Dedupe"). */
  dedupe?: WebhookDedupe;
}

export interface WebhookDedupe {
  /**
   * `header:<name>` (the sender's delivery id) or `{{ expression }}` over the event (`{{ trigger.body.id }}`):
   * deduped for ever; unsigned hooks only (a signed hook dedupes by what its signature covers).
   */
  key?: string;
  /** How long a body-hash key absorbs repeats (`"5m"` when absent), or `off`. */
  window?: string;
}

export interface WebhookSignature {
  header: string;
  algorithm: 'hmac-sha256' | 'hmac-sha1' | 'hmac-sha512';
  encoding?: 'hex' | 'base64';
  /** Text before the digest in the header, e.g. `sha256=`. */
  prefix?: string;
  /** Header with the unix time the sender signed at; the signed payload is then `<timestamp>.<body>` and stale deliveries are refused. */
  timestampHeader?: string;
  /** How far the timestamp may be from now, seconds (300 when absent). */
  toleranceSeconds?: number;
  connection: string;
}

export interface ScheduleTrigger {
  type: 'schedule';
  cron: string;
  /** IANA time zone; UTC when absent. */
  timezone?: string;
  /** Ticks due while no scheduler ran: skipped (the default), or the latest `max` of them fired late. */
  misfire?: ScheduleMisfire;
}

export type ScheduleMisfire = { policy: 'skip' } | { policy: 'catchUp'; max: number };

export interface PollTrigger {
  type: 'poll';
  connector: string;
  trigger: string;
  connection?: string;
  input?: Record<string, JsonValue>;
  interval: Duration;
}

export interface ManualTrigger {
  type: 'manual';
}

export type Step = ActionStep | IfStep | ForEachStep | ParallelStep | TryStep | SetStep | DelayStep | CallRecipeStep | RespondStep | StopStep | ApprovalStep | WaitForStep;

/** Every step kind is told apart by the one kind key it carries (`action`, `if`, `forEach`, …). */
export type StepKind = 'action' | 'if' | 'forEach' | 'parallel' | 'try' | 'set' | 'delay' | 'callRecipe' | 'respond' | 'stop' | 'approval' | 'waitFor';

export const STEP_KINDS: readonly StepKind[] = ['action', 'if', 'forEach', 'parallel', 'try', 'set', 'delay', 'callRecipe', 'respond', 'stop', 'approval', 'waitFor'];

interface StepBase {
  /** Unique in the whole recipe, `^[a-z][a-z0-9_]*$`; outputs are read as `steps.<id>`. */
  id: string;
  name?: string;
}

export interface RetryPolicy {
  /** Attempts in all, the first included (1 = no retry). */
  maxAttempts?: number;
  backoff?: Backoff;
}

/** Exponential backoff with full jitter: wait = random × min(max, initial × factor^(attempt−1)). */
export interface Backoff {
  initial?: Duration;
  max?: Duration;
  factor?: number;
}

export interface ActionStep extends StepBase {
  /** `connector.action`, e.g. `http.request`. */
  action: string;
  connection?: string;
  input?: Record<string, JsonValue>;
  retry?: RetryPolicy;
  /** Deadline of one attempt. */
  timeout?: Duration;
}

export interface IfStep extends StepBase {
  if: Template | boolean;
  then: Step[];
  else?: Step[];
}

export interface ForEachStep extends StepBase {
  /** Must evaluate to a list (a single value is a list of one, nothing is an empty list). */
  forEach: Template | JsonValue[];
  /** Name under which the current item is also visible to expressions (besides `item`). */
  as?: string;
  concurrency?: number;
  steps: Step[];
}

/**
 * Named branches, each a list of steps, started at once and joined. The output is
 * `{ <branch>: { <step id>: output } }` over each branch's top-level steps (`steps.<id>.<branch>.<step id>`).
 */
export interface ParallelStep extends StepBase {
  parallel: Record<string, Step[]>;
  /**
   * `first-failure` (default): a branch failing for good cancels the others (they send nothing
   * more) and the step fails with its error. `all`: the other branches run to their end, then the
   * step fails naming every failed branch.
   */
  mode?: ParallelMode;
}

export type ParallelMode = 'first-failure' | 'all';

export interface TryStep extends StepBase {
  try: Step[];
  /** Runs when a step of `try` fails; the error is `steps.<try id>.error`. */
  catch?: Step[];
}

export interface SetStep extends StepBase {
  /** Variables to compute, read later as `vars.<name>`. */
  set: Record<string, JsonValue>;
}

export interface DelayStep extends StepBase {
  delay: Template | Duration | { duration: Template | Duration } | { until: Template };
}

export interface CallRecipeStep extends StepBase {
  callRecipe: {
    recipe: string;
    input?: JsonValue;
    /** Wait for the called job's result (default) or continue once it is queued. */
    wait?: boolean;
  };
  retry?: RetryPolicy;
}

export interface RespondStep extends StepBase {
  respond: {
    status?: number | Template;
    headers?: Record<string, Template>;
    body?: JsonValue;
  };
}

export interface StopStep extends StepBase {
  stop: true | { reason?: Template; failed?: boolean };
}

/**
 * A person's decision: the job waits (no worker held) until someone approves or rejects through a
 * signed single-use link or the API, or `timeout` passes (a catchable error of kind `timeout`).
 * Output: `{ decision: 'approved' | 'rejected', approved, by, comment, at } (PRODUCT §3)`.
 */
export interface ApprovalStep extends StepBase {
  approval: {
    title: Template;
    description?: Template;
    /** How long the links and the API accept a decision (default 7d). */
    timeout?: Duration;
    /** An action sent once the approval exists; its input sees `approval.{ id, approveUrl, rejectUrl, expiresAt }`. */
    notify?: { action: string; connection?: string; input?: Record<string, JsonValue> };
  };
}

/**
 * Sleep (no worker held, no lease) until `POST /v1/events` delivers an event named `event` whose
 * `key` equals this step's rendered `key`, or `timeout` passes (a catchable error of kind
 * `timeout`). Output: `{ name, key, id, data, receivedAt }`. An event that arrived earlier (after
 * the job was created, within the buffer's TTL) is taken at once (docs/recipes.md, "waitFor").
 */
export interface WaitForStep extends StepBase {
  waitFor: {
    /** `^[A-Za-z0-9][A-Za-z0-9._:-]*$`, at most 128 characters (names starting with `$` are the platform's). */
    event: string;
    /** The correlation key: a template over trigger, steps and vars; rendered to a string of at most 256 characters. */
    key: Template;
    /** Default 7d, at most 30d. */
    timeout?: Duration;
  };
}
