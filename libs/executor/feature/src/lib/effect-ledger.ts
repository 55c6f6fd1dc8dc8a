import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { EffectLedgerRepository, type EffectEntry, type EffectOutcome } from '@junction/executor/data-access';
import type { Command, StepResult } from '@junction/executor/domain';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { isServerUnavailable } from '@junction/platform/ports';
import { SensitiveFields } from './sensitive-fields';

type InvokeCommand = Extract<Command, { type: 'invoke' }>;

// how soon a re-drive asks the catalog again when it could not say whether an action is idempotent
const CATALOG_RETRY_MS = 2_000;
// how soon a call held back because Postgres was away is tried again
const STORE_RETRY_MS = 1_000;

/** How an action declares repeats: harmless (`true`), made harmless by the key sent with it (`key`), or not (`false`). */
export type Idempotency = boolean | 'key';
export type UncertainPolicy = 'retry' | 'fail';

/** Why the call goes out, or that it must not. */
export type EffectDecision = { send: true; why: 'first' | 'same-drive' | 'not-sent' | 'idempotent' | 'same-key' | 'policy' } | { send: false; why: 'uncertain' | 'ask-later' };

/**
 * The effect ledger's rule, for one attempt of one action step about to be sent by `drive`:
 * - nothing recorded, or recorded by this same drive (it knows what became of its own send), or
 *   refused before anything went out: send;
 * - recorded by another drive without an outcome it could checkpoint (a crash fell between the send
 *   and the checkpoint, or the lease was lost there): send again with the same key only when a
 *   repeat is harmless (`idempotent: true`) or the provider dedupes on the key (`'key'`), or when the
 *   recipe accepts the risk (`onUncertain: retry`); otherwise the step is `uncertain` and not sent.
 * When the action's declaration cannot be read now (`unknown`: the catalog is away, as NATS may be
 * after a restart) nothing is sent and nothing decided: ask again later.
 */
export function decideEffect(input: {
  prior?: Pick<EffectEntry, 'drive' | 'outcome'>;
  drive: string;
  idempotent: Idempotency | 'unknown';
  onUncertain?: UncertainPolicy;
}): EffectDecision {
  const { prior, drive } = input;
  if (!prior) return { send: true, why: 'first' };
  if (prior.drive === drive) return { send: true, why: 'same-drive' };
  if (prior.outcome === 'not_sent') return { send: true, why: 'not-sent' };
  if (input.idempotent === true) return { send: true, why: 'idempotent' };
  if (input.idempotent === 'key') return { send: true, why: 'same-key' };
  if (input.onUncertain === 'retry') return { send: true, why: 'policy' };
  if (input.idempotent === 'unknown') return { send: false, why: 'ask-later' };
  return { send: false, why: 'uncertain' };
}

/** What the ledger keeps of a result: whether anything may have gone out. */
export function outcomeOf(result: StepResult): Exclude<EffectOutcome, 'uncertain'> {
  if (result.ok) return 'ok';
  const maybeSent = (result.error.details as { maybeSent?: boolean } | undefined)?.maybeSent === true;
  if ((result.error.kind === 'circuit_open' || result.error.kind === 'throttled') && !maybeSent) return 'not_sent';
  return 'failed';
}

/** The step's failure when the ledger holds it back: final, never retried, not caught by `try`. */
export function uncertainResult(command: Pick<InvokeCommand, 'action' | 'attempt' | 'idempotencyKey'>): StepResult {
  return {
    ok: false,
    attempt: command.attempt,
    error: {
      kind: 'uncertain',
      message: `${command.action} was sent (idempotency key ${command.idempotencyKey}, attempt ${command.attempt}) but the executor stopped before its outcome was recorded; the action is not idempotent, so it was not sent again: check the third party, then rerun the job or set onUncertain: retry`,
      details: { idempotencyKey: command.idempotencyKey, attempt: command.attempt },
    },
  };
}

/** One drive (one worker's pass over one job): its identity in the ledger and the recipe's policy. */
export interface EffectScope {
  drive: string;
  onUncertain?: UncertainPolicy;
}

/**
 * Around every action call: the intent is committed before the call is sent; after it, only a
 * `not_sent` outcome (refused before anything went out). The job driver's checkpoint records the
 * result; the ledger only answers, on a later drive, whether a pending step's call may already have
 * gone out.
 */
@Injectable()
export class EffectLedger {
  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: SensitiveFields,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** A new drive's scope (a fresh identity per pass: a restarted worker is another drive). */
  scope(onUncertain?: UncertainPolicy): EffectScope {
    return { drive: randomUUID(), ...(onUncertain ? { onUncertain } : {}) };
  }

  async invoke(job: { id: string; workspaceId: string }, command: InvokeCommand, scope: EffectScope, send: () => Promise<StepResult>): Promise<StepResult> {
    const ledger = new EffectLedgerRepository(this.dataSource.manager);
    const ref = { jobId: job.id, idempotencyKey: command.idempotencyKey, attempt: command.attempt };
    let held: StepResult | undefined;
    try {
      held = await this.beforeSend(ledger, job, command, scope);
    } catch (error) {
      if (!isServerUnavailable(error)) throw error;
      // nothing is sent unless its intent is committed: while Postgres is away the step waits like
      // behind an open breaker (no attempt spent), and its checkpoint is retried as usual
      return deferred(command, `the executor's database is away: ${command.action} was not sent`, STORE_RETRY_MS);
    }
    if (held) return held;
    const result = await send();
    const outcome = outcomeOf(result);
    // only a refusal before anything went out changes what a later drive decides (decideEffect): to
    // it an `ok` or `failed` outcome reads exactly as none (sent, by another drive), and the
    // checkpoint that follows keeps the result itself, so those are not written (#19)
    if (outcome !== 'not_sent') return result;
    try {
      await ledger.settle({ ...ref, drive: scope.drive }, outcome);
    } catch (error) {
      // a missing `not_sent` reads as "sent, outcome unknown": more careful, never more sends
      this.logger.warn({ jobId: job.id, stepKey: command.stepKey, err: error }, 'effect ledger: outcome not recorded');
    }
    return result;
  }

  /** The ledger's part before a send: undefined when the call may go out (its intent now committed), else the step's result instead. */
  private async beforeSend(ledger: EffectLedgerRepository, job: { id: string; workspaceId: string }, command: InvokeCommand, scope: EffectScope): Promise<StepResult | undefined> {
    const ref = { jobId: job.id, idempotencyKey: command.idempotencyKey, attempt: command.attempt };
    const intent = { ...ref, stepKey: command.stepKey, action: command.action, drive: scope.drive };
    // nothing recorded yet (nearly every call): the intent is written in the same statement that finds no row
    if (await ledger.intendFirst(intent)) return undefined;
    const prior = await ledger.find(ref);
    const idempotent = prior && prior.drive !== scope.drive ? ((await this.catalog.idempotency(job.workspaceId, command.action)) ?? 'unknown') : false;
    const decision = decideEffect({ prior, drive: scope.drive, idempotent, onUncertain: scope.onUncertain });
    if (!decision.send && decision.why === 'ask-later') {
      // the ledger row stays as the crash left it
      return deferred(command, `the connector catalog cannot be read: whether ${command.action} may be sent again is unknown; nothing was sent`, CATALOG_RETRY_MS);
    }
    if (!decision.send) {
      await ledger.markUncertain(ref);
      this.logger.warn(
        { jobId: job.id, stepKey: command.stepKey, action: command.action, attempt: command.attempt },
        'step uncertain: a crash cut a call to an action that is not idempotent',
      );
      return uncertainResult(command);
    }
    if (prior && decision.why !== 'same-drive') {
      this.logger.info(
        { jobId: job.id, stepKey: command.stepKey, action: command.action, attempt: command.attempt, why: decision.why },
        'sending a call a crash cut again, with its idempotency key',
      );
    }
    await ledger.intend(intent);
    return undefined;
  }
}

/** Nothing was sent and nothing decided: the engine waits as behind an open breaker (no attempt spent) and issues the call again. */
function deferred(command: Pick<InvokeCommand, 'attempt'>, message: string, retryAfterMs: number): StepResult {
  return { ok: false, attempt: command.attempt, error: { kind: 'circuit_open', message, retryAfterMs } };
}
