import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { FlowControlRepository, type JobRow } from '@junction/executor/data-access';
import { flowKeyOf, KEY_RETRY_MS, keyedConcurrency, keyedDebounce, keyedThrottle, type KeyedLimit } from '@junction/executor/domain';
import { EXECUTOR_OPTIONS, type ExecutorOptions } from './executor.options';
import { RecipeCatalog } from './recipe-catalog';

/**
 * Keyed flow control at claim time: a claimed job of a recipe with `concurrency: { limit, key }`
 * is driven only once it holds one of its key's slots, and one with `throttle` only once its key's
 * window has room for its start (both counted in Postgres, so across replicas); otherwise its lease goes back and it is claimed again a moment later. Every claim asks again,
 * so a job woken from a wait re-takes a slot before it runs on.
 */
@Injectable()
export class FlowGate {
  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: RecipeCatalog,
    @Inject(EXECUTOR_OPTIONS) private readonly options: ExecutorOptions,
  ) {}

  /** Whether the job's recipe version has keyed flow control (admitting it writes flow-control rows). */
  async keyed(job: JobRow): Promise<boolean> {
    const recipe = await this.catalog.get(job.recipeId, job.recipeVersion);
    return !!recipe && !!(keyedConcurrency(recipe) || keyedThrottle(recipe) || keyedDebounce(recipe));
  }

  /** Whether this replica may drive the claimed job now. */
  async admit(job: JobRow): Promise<boolean> {
    const recipe = await this.catalog.get(job.recipeId, job.recipeVersion);
    const concurrency = recipe && keyedConcurrency(recipe);
    const throttle = recipe && keyedThrottle(recipe);
    const debounce = recipe && keyedDebounce(recipe);
    if (!concurrency && !throttle && !debounce) return true;
    const keyOf = (key: KeyedLimit['key']) => flowKeyOf(key, job.trigger, job.workspaceId, job.receivedAt ? new Date(job.receivedAt).getTime() : Date.now());
    return new FlowControlRepository(this.dataSource.manager).admit(
      {
        jobId: job.id,
        recipeId: job.recipeId,
        owner: this.options.workerId,
        concurrency: concurrency && { key: await keyOf(concurrency.key), limit: concurrency.limit },
        debounce: debounce && { key: await keyOf(debounce.key), periodMs: debounce.periodMs, maxWaitMs: debounce.maxWaitMs },
        throttle: throttle && { key: await keyOf(throttle.key), limit: throttle.limit, periodMs: throttle.periodMs },
      },
      KEY_RETRY_MS,
    );
  }
}
