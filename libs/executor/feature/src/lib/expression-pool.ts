import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type CompiledExpression, type EvaluationContext, ExpressionError, type ExpressionOffload, type ExpressionSite, setExpressionTimeout } from '@junction/executor/domain';

export interface ExpressionPoolOptions {
  /** Budget of an evaluation on the event loop, ms; past it the evaluation moves to a worker. */
  inlineMs: number;
  /** Budget of an evaluation in a worker, ms. */
  timeoutMs: number;
  /** jsonata's own (between nodes) timeout in a worker, ms; defaults to `timeoutMs` (the watchdog stops what it misses). */
  workerTimeoutMs?: number;
  /** A worker still busy this long after its budget is stopped (a single built-in call that ran on), ms. */
  graceMs: number;
  /** Worker threads. */
  workers: number;
  /**
   * Evaluations of one workspace waiting for a worker; more fail at once. Active jobs per executor
   * already bound the queue: this is a backstop, large enough that load alone never fails a step.
   */
  maxQueuedPerWorkspace: number;
  /**
   * Evaluations of one workspace confirmed heavy (they ran past the inline budget in a worker too) within
   * `strikeWindowMs` after which all its evaluations skip the inline attempt.
   */
  strikes: number;
  strikeWindowMs: number;
  /** Heap of a worker, MB: an evaluation that allocates past it ends that worker, not the executor. */
  workerHeapMb: number;
}

export const DEFAULT_EXPRESSION_POOL: ExpressionPoolOptions = {
  inlineMs: 20,
  timeoutMs: 1_000,
  graceMs: 1_000,
  workers: 1,
  maxQueuedPerWorkspace: 1_000,
  strikes: 3,
  strikeWindowMs: 60_000,
  workerHeapMb: 256,
};

/** What the pool sends a worker. */
export interface WorkerTask {
  id: number;
  source: string;
  site: ExpressionSite;
  context: EvaluationContext;
  now: number;
}
export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; reason: string; code?: string };
export interface WorkerSetup {
  timeoutMs: number;
}

interface Task extends WorkerTask {
  workspace: string;
  /** When a worker was handed the task, ms. */
  postedAt?: number;
  resolve: (value: unknown) => void;
  reject: (error: ExpressionError) => void;
}

interface Slot {
  worker?: Worker;
  /** The worker has loaded its script (its first message): budgets count from then on. */
  ready?: boolean;
  task?: Task;
  watchdog?: NodeJS.Timeout;
}

// Hot workspaces remembered at once; the oldest is forgotten past this.
const MAX_TRACKED_WORKSPACES = 10_000;

/**
 * Where the engine sends evaluations that ran past the inline budget: worker threads, so a heavy
 * expression never holds the executor's event loop (other workspaces' jobs keep their latency).
 * An expression that ran long, and every expression of a workspace that did so repeatedly, skips
 * the inline attempt for `strikeWindowMs` afterwards. Workspaces take turns for the workers (round robin), each
 * with a bounded queue. A worker that is still busy `graceMs` after its budget is terminated and
 * replaced: the step fails with a clear error.
 */
export class ExpressionPool implements ExpressionOffload {
  // when each expression last ran past the inline budget: it skips the inline attempt for a while
  private readonly heavy = new WeakMap<CompiledExpression, number>();
  private readonly strikeLog = new Map<string, number[]>();
  private readonly queues = new Map<string, Task[]>();
  private readonly slots: Slot[];
  private readonly servedAt = new Map<string, number>();
  private turn = 0;
  private nextId = 1;
  private closed = false;
  private readonly entry = workerEntry();

  constructor(private readonly options: ExpressionPoolOptions = DEFAULT_EXPRESSION_POOL) {
    this.slots = Array.from({ length: Math.max(1, options.workers) }, () => ({}));
    setExpressionTimeout(options.inlineMs);
  }

  prefers(expr: CompiledExpression, ctx: EvaluationContext): boolean {
    const ranLongAt = this.heavy.get(expr);
    if (ranLongAt !== undefined && Date.now() - ranLongAt < this.options.strikeWindowMs) return true;
    const log = this.strikeLog.get(workspaceOf(ctx));
    return log !== undefined && this.recent(log).length >= this.options.strikes;
  }

  ranLong(expr: CompiledExpression): void {
    // only this expression skips the inline attempt: an inline timeout alone may be a descheduled
    // process on a loaded machine, so the workspace is struck only when a worker confirms it (finish)
    this.heavy.set(expr, Date.now());
  }

  private strike(workspace: string): void {
    const log = this.recent(this.strikeLog.get(workspace) ?? []);
    log.push(Date.now());
    this.strikeLog.delete(workspace);
    this.strikeLog.set(workspace, log.slice(-this.options.strikes));
    if (this.strikeLog.size > MAX_TRACKED_WORKSPACES) this.strikeLog.delete(this.strikeLog.keys().next().value as string);
  }

  evaluate(expr: CompiledExpression, ctx: EvaluationContext, now: number): Promise<unknown> {
    const workspace = workspaceOf(ctx);
    if (this.closed) return Promise.reject(new ExpressionError(expr.site, expr.source, 'the executor is shutting down'));
    const queue = this.queues.get(workspace) ?? [];
    if (queue.length >= this.options.maxQueuedPerWorkspace) {
      return Promise.reject(
        new ExpressionError(
          expr.site,
          expr.source,
          `ran past the ${this.options.inlineMs} ms inline budget while ${queue.length} long evaluations of this workspace wait for a worker`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      queue.push({ id: this.nextId++, source: expr.source, site: expr.site, context: ctx, now, workspace, resolve, reject });
      this.queues.set(workspace, queue);
      this.pump();
    });
  }

  /** Evaluations waiting for a worker (all workspaces). */
  get queued(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queues.values()) for (const task of q) task.reject(new ExpressionError(task.site, task.source, 'the executor is shutting down'));
    this.queues.clear();
    await Promise.all(this.slots.map((slot) => this.stop(slot, 'the executor is shutting down')));
  }

  private recent(log: number[]): number[] {
    const since = Date.now() - this.options.strikeWindowMs;
    return log.filter((t) => t >= since);
  }

  /** Next task: the head of the queue of the workspace served longest ago (round robin over workspaces). */
  private take(): Task | undefined {
    let pick: string | undefined;
    for (const workspace of this.queues.keys()) {
      if (pick === undefined || (this.servedAt.get(workspace) ?? -1) < (this.servedAt.get(pick) ?? -1)) pick = workspace;
    }
    if (pick === undefined) return undefined;
    const queue = this.queues.get(pick) as Task[];
    const task = queue.shift();
    if (queue.length === 0) this.queues.delete(pick);
    this.servedAt.delete(pick);
    this.servedAt.set(pick, this.turn++);
    if (this.servedAt.size > MAX_TRACKED_WORKSPACES) this.servedAt.delete(this.servedAt.keys().next().value as string);
    return task;
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.task) continue;
      const task = this.take();
      if (!task) return;
      this.start(slot, task);
    }
  }

  private start(slot: Slot, task: Task): void {
    slot.worker ??= this.spawn(slot);
    slot.task = task;
    if (slot.ready) this.post(slot);
  }

  /** Hands the slot's task to its (loaded) worker and starts the watchdog. */
  private post(slot: Slot): void {
    const task = slot.task;
    if (!task || !slot.worker) return;
    slot.watchdog = setTimeout(() => {
      void this.stop(slot, `ran past its ${this.options.timeoutMs} ms budget and was stopped`).then(() => this.pump());
    }, this.options.timeoutMs + this.options.graceMs);
    task.postedAt = Date.now();
    const { resolve: _resolve, reject: _reject, workspace: _workspace, postedAt: _postedAt, ...message } = task;
    try {
      slot.worker.postMessage(message);
    } catch (error) {
      this.finish(slot, { id: task.id, ok: false, reason: `could not be handed to a worker: ${(error as Error).message}` });
    }
  }

  private spawn(slot: Slot): Worker {
    const setup: WorkerSetup = { timeoutMs: this.options.workerTimeoutMs ?? this.options.timeoutMs };
    const worker = new Worker(this.entry.file, {
      workerData: setup,
      execArgv: this.entry.execArgv,
      resourceLimits: { maxOldGenerationSizeMb: this.options.workerHeapMb },
      stdout: false,
      stderr: false,
    });
    worker.unref();
    worker.on('message', (reply: WorkerReply | 'ready') => {
      if (slot.worker !== worker) return;
      if (reply === 'ready') {
        slot.ready = true;
        this.post(slot);
      } else if (slot.task?.id === reply.id) this.finish(slot, reply);
    });
    worker.on('error', (error) => {
      if (slot.worker !== worker) return;
      const reason = /out of memory|ERR_WORKER_OUT_OF_MEMORY/i.test(`${(error as { code?: string }).code} ${error.message}`)
        ? `used more than ${this.options.workerHeapMb} MB and was stopped`
        : `stopped its worker: ${error.message}`;
      slot.worker = undefined;
      slot.ready = false;
      if (slot.task) this.finish(slot, { id: slot.task.id, ok: false, reason });
    });
    worker.on('exit', () => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      slot.ready = false;
      if (slot.task) this.finish(slot, { id: slot.task.id, ok: false, reason: 'its worker exited' });
    });
    return worker;
  }

  private finish(slot: Slot, reply: WorkerReply): void {
    const task = slot.task;
    if (!task) return;
    clearTimeout(slot.watchdog);
    slot.task = undefined;
    slot.watchdog = undefined;
    if (task.postedAt !== undefined && Date.now() - task.postedAt >= this.options.inlineMs) this.strike(task.workspace);
    if (reply.ok) task.resolve(reply.value);
    else task.reject(new ExpressionError(task.site, task.source, reply.reason, reply.code));
    this.pump();
  }

  /** Terminates a slot's worker (a fresh one starts with its next task); its task fails with `reason`. */
  private async stop(slot: Slot, reason: string): Promise<void> {
    const worker = slot.worker;
    slot.worker = undefined;
    slot.ready = false;
    const task = slot.task;
    clearTimeout(slot.watchdog);
    slot.task = undefined;
    slot.watchdog = undefined;
    task?.reject(new ExpressionError(task.site, task.source, reason, 'D1012'));
    if (worker) await worker.terminate();
  }
}

function workspaceOf(ctx: EvaluationContext): string {
  const job = ctx['job'] as { workspaceId?: unknown } | undefined;
  return typeof job?.workspaceId === 'string' ? job.workspaceId : '';
}

/**
 * The worker's script: the bundled `expression-worker.js` next to the service's main.js, or the
 * TypeScript source through @swc-node/register (tests and benchmarks run from source).
 */
function workerEntry(): { file: string; execArgv?: string[] } {
  const bundled = join(__dirname, 'expression-worker.js');
  if (existsSync(bundled)) return { file: bundled };
  const source = join(__dirname, 'expression-worker.ts');
  if (existsSync(source)) return { file: source, execArgv: ['-r', '@swc-node/register'] };
  throw new Error(`expression worker script not found next to ${__dirname} (expression-worker.js)`);
}
