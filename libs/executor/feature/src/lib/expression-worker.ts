/**
 * An expression worker thread: evaluates the expressions the executor's event loop handed over
 * (they ran past the inline budget) with the full budget. One evaluation at a time, so the pool's
 * watchdog can stop this thread when a single call runs past the budget anyway.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { clockBindings, compileExpression, type CompiledExpression, evaluateExpression, ExpressionError, setExpressionTimeout } from '@junction/executor/domain';
import type { WorkerReply, WorkerSetup, WorkerTask } from './expression-pool';

const setup = workerData as WorkerSetup;
setExpressionTimeout(setup.timeoutMs);

// compiled programs by source: a recipe's heavy expressions come back job after job
const compiled = new Map<string, CompiledExpression>();
const COMPILED_MAX = 256;

function program(task: WorkerTask): CompiledExpression {
  let expr = compiled.get(task.source);
  if (!expr) {
    expr = compileExpression(task.source, task.site);
    if (compiled.size >= COMPILED_MAX) compiled.delete(compiled.keys().next().value as string);
    compiled.set(task.source, expr);
  }
  return { ...expr, site: task.site };
}

async function evaluate(task: WorkerTask): Promise<WorkerReply> {
  try {
    const value = await evaluateExpression(program(task), task.context, clockBindings(task.now));
    return { id: task.id, ok: true, value };
  } catch (error) {
    if (error instanceof ExpressionError) return { id: task.id, ok: false, reason: error.reason, code: error.code };
    return { id: task.id, ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

parentPort?.on('message', (task: WorkerTask) => {
  void evaluate(task).then((reply) => {
    try {
      parentPort?.postMessage(reply);
    } catch (error) {
      parentPort?.postMessage({ id: task.id, ok: false, reason: `its result could not be passed back: ${(error as Error).message}` });
    }
  });
});
// budgets count from here: loading this script is not the expression's time
parentPort?.postMessage('ready');
