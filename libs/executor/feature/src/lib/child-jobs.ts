import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { messageContext } from '@junction/platform/ports';
import { newJobId } from './job-ids';
import type { Recipe } from '@junction/executor/contracts';
import { ALERT_TRIGGER_KIND, JobRepository, RecipeRepository, type JobRow } from '@junction/executor/data-access';
import type { Command, StepResult } from '@junction/executor/domain';
import { JobSignals } from './job-signals';
import { RecipeCatalog } from './recipe-catalog';

type CallCommand = Extract<Command, { type: 'call' }>;

/** `callRecipe`: a child job of a recipe of the same workspace, made once per idempotency key. */
@Injectable()
export class ChildJobs {
  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: RecipeCatalog,
    private readonly signals: JobSignals,
  ) {}

  /** The step's result, or undefined while a waited-for child is still running. */
  async call(parent: JobRow, command: CallCommand): Promise<StepResult | undefined> {
    const scope = { workspaceId: parent.workspaceId };
    const recipes = new RecipeRepository(this.dataSource.manager);
    const jobs = new JobRepository(this.dataSource.manager);
    const target = await recipes.find({ ...scope, id: command.recipeId });
    const version = target ? (target.activeVersion ?? target.version) : undefined;
    const recipe = target && version ? await this.catalog.get(target.id, version) : undefined;
    if (!target || !version || !recipe) {
      return { ok: false, attempt: command.attempt, error: { kind: 'fatal', message: `recipe ${command.recipeId} not found` } };
    }
    const dedupeKey = command.idempotencyKey;
    const inserted = await jobs.insertIfAbsent({
      id: newJobId(),
      ...scope,
      recipeId: target.id,
      recipeVersion: version,
      dedupeKey,
      // a job called by an error handler is part of the handler: its failure must not alert, or a handler
      // that calls a failing recipe would trigger itself through it
      triggerKind: parent.triggerKind === ALERT_TRIGGER_KIND ? ALERT_TRIGGER_KIND : 'api',
      concurrency: concurrencyOf(recipe),
      trigger: command.input ?? null,
      receivedAt: new Date(),
      // the called recipe's job continues the caller's trace, under the calling step
      traceparent: messageContext.current()?.traceparent,
    });
    if (inserted) this.signals.jobQueued();
    const child = await jobs.findByEvent({ ...scope, recipeId: target.id, dedupeKey });
    if (!child) return undefined;
    if (!command.wait) return { ok: true, attempt: command.attempt, output: { jobId: child.id } };
    switch (child.status) {
      case 'succeeded':
        return { ok: true, attempt: command.attempt, output: (child.state as { steps?: unknown } | null)?.steps ?? {} };
      case 'failed':
      case 'cancelled':
      case 'stopped':
        return {
          ok: false,
          attempt: command.attempt,
          error: { kind: 'fatal', message: `called job ${child.id} ended ${child.status}`, details: { jobId: child.id, error: child.error } },
        };
      case 'queued':
      case 'running':
        return undefined;
    }
  }
}

/** Jobs of a recipe running at once; unbounded when the recipe does not say. */
/** A recipe without `settings.concurrency` runs this many jobs at once: no limit in practice. */
export const DEFAULT_CONCURRENCY = 1_000_000;

export function concurrencyOf(recipe: Recipe): number {
  // a keyed limit ({ limit, key }) bounds each key at claim time (FlowGate), not the recipe as a whole
  const c = recipe.settings?.concurrency;
  return typeof c === 'number' ? c : DEFAULT_CONCURRENCY;
}
