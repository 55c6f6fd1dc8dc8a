import { clockBindings, compileExpression, type EvaluationContext, evaluateExpression, ExpressionError, setExpressionTimeout } from '@junction/executor/domain';
import { DEFAULT_EXPRESSION_POOL, ExpressionPool } from './expression-pool';

const site = { stepId: 'map', path: '/steps/0/set/x' };

function context(workspaceId: string, extra: Record<string, unknown> = {}): EvaluationContext {
  return { trigger: { body: {} }, steps: {}, vars: {}, job: { workspaceId }, ...extra };
}

/** Longest gap between ticks of a 10 ms interval while `work` runs: how long the event loop was held. */
async function loopLag<T>(work: () => Promise<T>): Promise<{ result: PromiseSettledResult<T>; lagMs: number }> {
  let last = Date.now();
  let lagMs = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    lagMs = Math.max(lagMs, now - last);
    last = now;
  }, 10);
  const [result] = await Promise.allSettled([work()]);
  clearInterval(timer);
  return { result, lagMs };
}

describe('expression worker pool (hostile)', () => {
  let pool: ExpressionPool;

  afterEach(async () => {
    await pool?.close();
    setExpressionTimeout(100);
  });

  it('moves an expression past the inline budget to a worker: the step fails with a clear error, the event loop keeps ticking', async () => {
    pool = new ExpressionPool({ ...DEFAULT_EXPRESSION_POOL, inlineMs: 20, timeoutMs: 300 });
    const expr = compileExpression('(function($f){ $f($f) })(function($f){ $f($f) })', site);
    const evaluate = () => evaluateExpression(expr, context('ws_a'), clockBindings(0, pool)) as Promise<unknown>;
    const first = await loopLag(evaluate);
    expect(first.result.status).toBe('rejected');
    const error = (first.result as PromiseRejectedResult).reason as ExpressionError;
    expect(error).toBeInstanceOf(ExpressionError);
    expect(error.message).toMatch(/step "map".*timeout/i);
    // the expression ran long once: the next evaluation skips the inline attempt
    expect(pool.prefers(expr, context('ws_b'))).toBe(true);
    const second = await loopLag(evaluate);
    expect(second.result.status).toBe('rejected');
    // 300 ms of evaluation in the worker; the loop is held at most by the 20 ms inline attempt (generous bound for a loaded machine)
    expect(second.lagMs).toBeLessThan(250);
  }, 60_000);

  it('terminates a worker that runs past its budget without jsonata noticing, and replaces it', async () => {
    // jsonata's own timeout is set far out in the worker: only the watchdog can end this evaluation
    pool = new ExpressionPool({ ...DEFAULT_EXPRESSION_POOL, inlineMs: 20, timeoutMs: 100, graceMs: 200, workerTimeoutMs: 600_000 });
    const endless = compileExpression('(function($f){ $f($f) })(function($f){ $f($f) })', site);
    pool.ranLong(endless);
    const started = Date.now();
    await expect(evaluateExpression(endless, context('ws_a'), clockBindings(0, pool))).rejects.toThrow(/step "map".*ran past its 100 ms budget and was stopped/);
    expect(Date.now() - started).toBeLessThan(20_000);
    // a fresh worker answers the next task
    const simple = compileExpression('$uppercase(trigger.body.name)', site);
    pool.ranLong(simple);
    await expect(evaluateExpression(simple, context('ws_a', { trigger: { body: { name: 'ok' } } }), clockBindings(0, pool))).resolves.toBe('OK');
  }, 60_000);

  it('strikes a workspace only when a worker confirms its expressions are heavy, not for inline timeouts of a loaded machine', async () => {
    pool = new ExpressionPool({ ...DEFAULT_EXPRESSION_POOL, inlineMs: 20, timeoutMs: 300, strikes: 2 });
    // a descheduled executor makes cheap expressions time out inline: they go to a worker and answer at once
    const cheap = [1, 2, 3].map((n) => compileExpression(`$string(trigger.body.n + ${n})`, site));
    for (const expr of cheap) {
      pool.ranLong(expr);
      await expect(evaluateExpression(expr, context('ws_busy', { trigger: { body: { n: 1 } } }), clockBindings(0, pool))).resolves.toMatch(/^\d$/);
    }
    const other = compileExpression('trigger.body.n', site);
    expect(pool.prefers(other, context('ws_busy'))).toBe(false);
    // two expressions that also run long in the worker strike the workspace: its other expressions skip the inline attempt
    const endless = [1, 2].map((n) => compileExpression(`(function($f){ $f($f) })(function($f){ $f($f) }) + ${n}`, site));
    for (const expr of endless) {
      pool.ranLong(expr);
      await expect(evaluateExpression(expr, context('ws_hot'), clockBindings(0, pool))).rejects.toThrow(ExpressionError);
    }
    expect(pool.prefers(other, context('ws_hot'))).toBe(true);
    expect(pool.prefers(other, context('ws_busy'))).toBe(false);
  }, 60_000);

  it('serves workspaces in turn and bounds each workspace queue', async () => {
    pool = new ExpressionPool({ ...DEFAULT_EXPRESSION_POOL, inlineMs: 20, timeoutMs: 200, maxQueuedPerWorkspace: 2 });
    const heavy = compileExpression('(function($f){ $f($f) })(function($f){ $f($f) })', site);
    const light = compileExpression('$string(trigger.body.n + 1)', site);
    pool.ranLong(heavy);
    pool.ranLong(light);
    const flood = Array.from({ length: 6 }, () => evaluateExpression(heavy, context('ws_a'), clockBindings(0, pool)) as Promise<unknown>);
    const refused = await Promise.allSettled(flood.slice(3));
    for (const r of refused) expect((r as PromiseRejectedResult).reason.message).toMatch(/wait for a worker/);
    // B's evaluation is served right after A's running one, not after A's whole queue
    const b = evaluateExpression(light, context('ws_b', { trigger: { body: { n: 41 } } }), clockBindings(0, pool)) as Promise<unknown>;
    const order: string[] = [];
    await Promise.allSettled([...flood.slice(0, 3).map((p) => p.finally(() => order.push('a'))), b.finally(() => order.push('b'))]);
    await expect(b).resolves.toBe('42');
    expect(order.indexOf('b')).toBeLessThanOrEqual(1);
  }, 60_000);
});
