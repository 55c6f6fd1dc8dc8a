import type { InvokeActionRequest, InvokeActionResult } from '@junction/connectors/contracts';
import type { Command } from '@junction/executor/domain';
import { DeadlineExceededError, RemoteError, type Closable, type MessageBus, type RpcContract } from '@junction/platform/ports';
import { StepInvoker } from './step-invoker';

/** A bus that answers `connectors.invoke.v1` from a script and keeps what it was sent; anything else fails. */
class ScriptedBus implements MessageBus {
  readonly sent: { payload: InvokeActionRequest; timeoutMs?: number }[] = [];
  constructor(private readonly answer: () => InvokeActionResult) {}

  request<Req extends object, Res extends object>(contract: RpcContract<Req, Res>, payload: Req, options?: { timeoutMs?: number }): Promise<Res> {
    if (contract.subject !== 'connectors.invoke.v1') throw new Error(`unplanned call to ${contract.subject}`);
    this.sent.push({ payload: payload as unknown as InvokeActionRequest, timeoutMs: options?.timeoutMs });
    return Promise.resolve().then(() => this.answer() as unknown as Res);
  }
  serve(): Promise<Closable> {
    throw new Error('unplanned serve');
  }
  ping(): Promise<void> {
    throw new Error('unplanned ping');
  }
}

const command: Extract<Command, { type: 'invoke' }> = {
  type: 'invoke',
  stepId: 'post',
  stepKey: 'post[2]',
  action: 'http.request',
  connection: 'conn_1',
  input: { method: 'POST', url: 'https://example.com' },
  attempt: 3,
  maxAttempts: 5,
  idempotencyKey: 'job_1:post[2]:0',
  timeoutMs: 5000,
};
const job = { id: 'job_1', workspaceId: 'ws_1' };

describe('StepInvoker: invoke commands to connectors.invoke and back', () => {
  it('sends connector, action, connection, input and the idempotency key, with room for the round trip', async () => {
    const bus = new ScriptedBus(() => ({ output: { status: 201 }, durationMs: 12 }));
    expect(await new StepInvoker(bus).invoke(job, command)).toEqual({ ok: true, output: { status: 201 }, attempt: 3 });
    expect(bus.sent[0].payload).toEqual({
      workspaceId: 'ws_1',
      connector: 'http',
      action: 'request',
      connectionId: 'conn_1',
      input: command.input,
      idempotencyKey: 'job_1:post[2]:0',
      jobId: 'job_1',
      stepId: 'post[2]',
      timeoutMs: 5000,
    });
    expect(bus.sent[0].timeoutMs).toBeGreaterThan(5000);
  });

  it('passes the connector error kind through, with Retry-After and the response kept as details', async () => {
    const bus = new ScriptedBus(() => ({ error: { kind: 'rate_limited', message: '429', status: 429, retryAfterMs: 1000, responseBody: { e: 1 } }, durationMs: 3 }));
    expect(await new StepInvoker(bus).invoke(job, command)).toEqual({
      ok: false,
      attempt: 3,
      error: { kind: 'rate_limited', message: '429', retryAfterMs: 1000, details: { status: 429, responseBody: { e: 1 } } },
    });
  });

  it.each([
    ['no connectors service: deferred, no attempt spent', new DeadlineExceededError('connectors.invoke.v1', 1, true), 'circuit_open'],
    ['a call that outlived its deadline: retried', new DeadlineExceededError('connectors.invoke.v1', 1, false), 'retryable'],
    ['an input the action refuses: failed at once', new RemoteError('invalid_request', 'url is required'), 'fatal'],
    ['an unknown action: failed at once', new RemoteError('not_found', 'no such action'), 'fatal'],
    ['a connectors crash: retried', new RemoteError('internal', 'boom'), 'retryable'],
  ])('maps %s', async (_name, thrown, kind) => {
    const bus = new ScriptedBus(() => {
      throw thrown;
    });
    const result = await new StepInvoker(bus).invoke(job, command);
    expect(result).toMatchObject({ ok: false, attempt: 3, error: { kind } });
  });
});
