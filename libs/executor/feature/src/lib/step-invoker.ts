import { Inject, Injectable } from '@nestjs/common';
import { InvokeAction } from '@junction/connectors/contracts';
import type { Command, StepResult } from '@junction/executor/domain';
import { ConnectionLostError, DeadlineExceededError, MESSAGE_BUS, RemoteError, type MessageBus } from '@junction/platform/ports';

type InvokeCommand = Extract<Command, { type: 'invoke' }>;

// the connectors service's own deadline is the step's; ours adds room for the round trip
const RPC_SLACK_MS = 5_000;
const DEFAULT_CALL_MS = 120_000;

/** How long the executor waits for the answer to an `invoke` (the step's timeout plus the round trip): the job driver's expected wait too. */
export function invokeDeadlineMs(command: { timeoutMs?: number }): number {
  return (command.timeoutMs ?? DEFAULT_CALL_MS) + RPC_SLACK_MS;
}
// nobody serves connectors.invoke: wait for the service instead of spending attempts
const NO_RESPONDERS_RETRY_MS = 1_000;
const CONNECTION_LOST_RETRY_MS = 1_000;

/** Runs an `invoke` command on the connectors service and maps the answer to the engine's step result. */
@Injectable()
export class StepInvoker {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  async invoke(job: { id: string; workspaceId: string }, command: InvokeCommand): Promise<StepResult> {
    const dot = command.action.indexOf('.');
    const attempt = command.attempt;
    try {
      const answer = await this.bus.request(
        InvokeAction,
        {
          workspaceId: job.workspaceId,
          connector: command.action.slice(0, dot),
          action: command.action.slice(dot + 1),
          ...(command.connection ? { connectionId: command.connection } : {}),
          input: isObject(command.input) ? command.input : {},
          idempotencyKey: command.idempotencyKey,
          jobId: job.id,
          stepId: command.stepKey.slice(0, 128),
          ...(command.timeoutMs ? { timeoutMs: Math.min(600_000, Math.max(100, command.timeoutMs)) } : {}),
        },
        { timeoutMs: invokeDeadlineMs(command), workspaceId: job.workspaceId },
      );
      if (!answer.error) return { ok: true, output: answer.output, attempt };
      const { kind, message, retryAfterMs, status, responseBody } = answer.error;
      const details = status !== undefined || responseBody !== undefined ? { status, responseBody } : undefined;
      return { ok: false, attempt, error: { kind, message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), ...(details ? { details } : {}) } };
    } catch (error) {
      if (error instanceof ConnectionLostError) {
        // the NATS connection dropped under the call: the action may or may not have run, and its answer is lost.
        // Deferred like an open breaker (NATS being away is not the action's failure, so no attempt is spent),
        // and re-sent with the same idempotency key once the connection is back.
        // (`maybeSent` tells the effect ledger that, unlike an open breaker, the call may have gone out)
        return { ok: false, attempt, error: { kind: 'circuit_open', message: error.message, retryAfterMs: CONNECTION_LOST_RETRY_MS, details: { maybeSent: true } } };
      }
      if (error instanceof DeadlineExceededError && error.noResponders) {
        return { ok: false, attempt, error: { kind: 'circuit_open', message: 'the connectors service is not running', retryAfterMs: NO_RESPONDERS_RETRY_MS } };
      }
      if (error instanceof DeadlineExceededError) return { ok: false, attempt, error: { kind: 'retryable', message: error.message } };
      if (error instanceof RemoteError && ['invalid_request', 'not_found', 'unprocessable', 'forbidden'].includes(error.code)) {
        return { ok: false, attempt, error: { kind: 'fatal', message: error.message, ...(error.errors ? { details: { errors: error.errors } } : {}) } };
      }
      if (error instanceof RemoteError && error.code === 'unauthenticated') return { ok: false, attempt, error: { kind: 'auth', message: error.message } };
      return { ok: false, attempt, error: { kind: 'retryable', message: error instanceof Error ? error.message : String(error) } };
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
