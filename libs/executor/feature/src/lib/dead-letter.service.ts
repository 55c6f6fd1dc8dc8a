import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  DeadLetterFilter,
  PAGE_MAX,
  REDRIVE_MAX,
  type Actor,
  type DeadLetterList,
  type DeadLetterRef,
  type DeadLetterView,
  type ListDeadLettersRequest,
  type RedriveDeadLettersRequest,
  type RedriveOutcome,
  type RedriveResult,
} from '@junction/executor/contracts';
import { DeadLetterRepository, JobRepository, RecipeRepository, type DeadLetterFilter as RowFilter } from '@junction/executor/data-access';
import { InvalidMessageError, isServerUnavailable, RemoteError, validatePayload } from '@junction/platform/ports';
import { toDeadLetterSummary, toDeadLetterView } from './dead-letter-views';
import { ExecutorAudit } from './executor-audit';
import { JobSignals } from './job-signals';
import { redriveEvent } from './trigger-events';
import { TriggerIntake } from './trigger-intake';

const SELF: Actor = { type: 'service', id: 'executor' };

/** Why one dead letter was not redriven; thrown inside its transaction, so its redrive mark is undone. */
class Refused extends Error {
  constructor(
    readonly code: 'invalid' | 'recipe_not_running',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The dead-letters API: list, read, and redrive — each letter in its own transaction that marks it
 * redriven (a row lock: a concurrent redrive of the same letter waits, then finds it taken) and
 * inserts its job on the recipe's running version, deduplicated like the intake. A letter that
 * cannot make a job now (recipe stopped, event still invalid) is left as it was, with its reason.
 */
@Injectable()
export class DeadLetterService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly intake: TriggerIntake,
    private readonly signals: JobSignals,
    private readonly audit: ExecutorAudit,
  ) {}

  async list(request: ListDeadLettersRequest): Promise<DeadLetterList> {
    const limit = Math.min(request.limit ?? 50, PAGE_MAX);
    const rows = await new DeadLetterRepository(this.dataSource.manager).list({
      workspaceId: request.workspaceId,
      ...rowFilter(request.filter),
      cursor: request.cursor,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return { items: page.map(toDeadLetterSummary), ...(rows.length > limit ? { nextCursor: page[page.length - 1].id } : {}) };
  }

  async get(ref: DeadLetterRef): Promise<DeadLetterView> {
    const row = await new DeadLetterRepository(this.dataSource.manager).find(ref);
    if (!row) throw new RemoteError('not_found', `dead letter ${ref.id} not found`);
    return toDeadLetterView(row);
  }

  async redrive(request: RedriveDeadLettersRequest): Promise<RedriveResult> {
    const scope = { workspaceId: request.workspaceId };
    if ((request.ids === undefined) === (request.filter === undefined)) {
      throw new RemoteError('unprocessable', 'give either ids or filter', [{ path: request.ids ? 'filter' : 'ids', message: 'exactly one of ids and filter' }]);
    }
    let ids = request.ids ? [...new Set(request.ids)] : [];
    let nextCursor: string | undefined;
    if (request.filter !== undefined) {
      const filter = checkedFilter(request.filter);
      const found = await new DeadLetterRepository(this.dataSource.manager).idsToRedrive({ ...scope, ...rowFilter(filter), cursor: request.cursor, limit: REDRIVE_MAX + 1 });
      ids = found.slice(0, REDRIVE_MAX);
      if (found.length > REDRIVE_MAX) nextCursor = ids[ids.length - 1];
    }
    const by = request.actor ?? SELF;
    const items: RedriveOutcome[] = [];
    for (const id of ids) items.push(await this.redriveOne(scope, id, by));
    if (items.some((i) => i.outcome === 'created')) this.signals.jobQueued();
    for (const item of items) {
      if (!item.jobId) continue;
      await this.audit.record({ ...scope, actor: by }, 'dead_letter.redriven', { type: 'dead_letter', id: item.id }, { jobId: item.jobId, outcome: item.outcome });
    }
    return { items, ...(nextCursor ? { nextCursor } : {}) };
  }

  private async redriveOne(scope: { workspaceId: string }, id: string, by: Actor): Promise<RedriveOutcome> {
    try {
      return await this.dataSource.transaction(async (tx) => {
        const letters = new DeadLetterRepository(tx);
        const letter = await letters.takeForRedrive({ ...scope, id }, by);
        if (!letter) {
          const seen = await letters.find({ ...scope, id });
          if (!seen) return { id, error: { code: 'not_found', message: `dead letter ${id} not found` } };
          return { id, error: { code: 'already_redriven', message: `dead letter ${id} was redriven already${seen.jobId ? ` (job ${seen.jobId})` : ''}` } };
        }
        const made = redriveEvent(letter);
        if ('invalid' in made) throw new Refused('invalid', `the event still cannot make a job: ${made.invalid}`);
        if (made.event.workspaceId !== scope.workspaceId) throw new Refused('invalid', 'the event names another workspace');
        const recipeId = made.event.recipeId;
        const recipe = await new RecipeRepository(tx).find({ ...scope, id: recipeId });
        if (!recipe) throw new Refused('recipe_not_running', `recipe ${recipeId} does not exist (deleted?)`);
        if (recipe.state !== 'running') throw new Refused('recipe_not_running', `recipe ${recipeId} is stopped: start it, then redrive`);
        const event = await this.intake.newEvent(made.event);
        const [intake] = await new JobRepository(tx).insertForEvents([event]);
        if (intake.outcome !== 'created' && intake.outcome !== 'duplicate') throw new Refused('recipe_not_running', `recipe ${recipeId} has no runnable version`);
        const jobId = intake.outcome === 'created' ? event.id : await letters.jobOf({ ...scope, recipeId, dedupeKey: event.dedupeKey });
        if (jobId) await letters.setJob(id, jobId);
        return { id, outcome: intake.outcome, ...(jobId ? { jobId } : {}) };
      });
    } catch (error) {
      if (error instanceof Refused) return { id, error: { code: error.code, message: error.message } };
      // a server away fails the whole call (503, retry it); anything else is this letter's: it stays dead
      if (isServerUnavailable(error) || !(error instanceof Error)) throw error;
      return { id, error: { code: 'failed', message: `the job could not be stored: ${error.message}` } };
    }
  }
}

/** A redrive's filter, checked here (it travels opaque): one that cannot be applied is a 422 naming its field. */
function checkedFilter(filter: unknown): DeadLetterFilter {
  try {
    return validatePayload(DeadLetterFilter, filter, 'filter');
  } catch (error) {
    if (!(error instanceof InvalidMessageError)) throw error;
    const errors = error.errors.map((e) => ({ path: e.path ? `filter.${e.path}` : 'filter', message: e.message }));
    throw new RemoteError('unprocessable', `the filter is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
  }
}

function rowFilter(filter: DeadLetterFilter | undefined): RowFilter {
  if (!filter) return {};
  return {
    ...(filter.recipeId ? { recipeId: filter.recipeId } : {}),
    ...(filter.reason ? { reason: filter.reason } : {}),
    ...(filter.state ? { state: filter.state } : {}),
    ...(filter.since ? { since: new Date(filter.since) } : {}),
    ...(filter.until ? { until: new Date(filter.until) } : {}),
  };
}
