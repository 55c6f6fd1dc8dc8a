import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { EXECUTOR_OPTIONS, type ExecutorOptions } from './executor.options';
import { DEFAULT_EXPRESSION_POOL, ExpressionPool } from './expression-pool';

/** The executor's expression worker pool (the engine's offload for evaluations past the inline budget). */
@Injectable()
export class ExpressionWorkers implements OnApplicationShutdown {
  readonly pool: ExpressionPool;

  constructor(@Inject(EXECUTOR_OPTIONS) options: ExecutorOptions) {
    this.pool = new ExpressionPool({
      ...DEFAULT_EXPRESSION_POOL,
      inlineMs: options.expressionInlineMs,
      timeoutMs: options.expressionTimeoutMs,
      workers: options.expressionWorkers,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.close();
  }
}
