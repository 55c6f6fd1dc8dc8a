import { TERMINAL_JOB_STATUSES, type JobStepView, type JobView } from '@junction/executor/contracts';

/** One Server-Sent Event: `event:` name, optional `id:`, and a JSON `data:` line. */
export interface StreamEvent {
  event: 'job' | 'step' | 'end';
  id?: string;
  data: Record<string, unknown>;
}

/**
 * Turns successive reads of one job into the events a client has not seen yet: the job when its
 * status changes, each step record new or changed since (in `seq` order), then `end` once the job
 * is terminal. Steps carry no input or output (large, and on `GET /v1/jobs/:id`); `retrying` and
 * `deferred` records are the waits (a retry backoff, a delay).
 */
export class JobTimeline {
  private status: string | undefined;
  private readonly sent = new Map<number, string>();
  private ended = false;

  /** `afterSeq`: the `Last-Event-ID` of a reconnecting client; steps up to it are not repeated. */
  constructor(private readonly afterSeq = 0) {}

  get done(): boolean {
    return this.ended;
  }

  next(job: JobView): StreamEvent[] {
    if (this.ended) return [];
    const events: StreamEvent[] = [];
    if (job.status !== this.status) {
      this.status = job.status;
      events.push({ event: 'job', data: jobData(job) });
    }
    for (const step of [...job.steps].sort((a, b) => a.seq - b.seq)) {
      if (step.seq <= this.afterSeq) continue;
      const data = stepData(step);
      const text = JSON.stringify(data);
      if (this.sent.get(step.seq) === text) continue;
      this.sent.set(step.seq, text);
      events.push({ event: 'step', id: String(step.seq), data });
    }
    if (TERMINAL_JOB_STATUSES.includes(job.status)) {
      this.ended = true;
      events.push({
        event: 'end',
        data: { id: job.id, status: job.status, ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}), ...(job.error !== undefined ? { error: job.error } : {}) },
      });
    }
    return events;
  }
}

function jobData(job: JobView): Record<string, unknown> {
  const { id, recipeId, recipeVersion, status, createdAt, startedAt, finishedAt, error } = job;
  return { id, recipeId, recipeVersion, status, createdAt, ...(startedAt ? { startedAt } : {}), ...(finishedAt ? { finishedAt } : {}), ...(error !== undefined ? { error } : {}) };
}

function stepData(step: JobStepView): Record<string, unknown> {
  const { seq, stepId, stepKey, kind, status, attempt, group, error, startedAt, finishedAt, durationMs } = step;
  return {
    seq,
    stepId,
    stepKey,
    kind,
    status,
    ...(attempt !== undefined ? { attempt } : {}),
    ...(group !== undefined ? { group } : {}),
    startedAt,
    finishedAt,
    durationMs,
    ...(error !== undefined ? { error } : {}),
  };
}

/** The wire form of one event (`data` is one line: JSON.stringify never emits a raw newline). */
export function formatEvent(e: StreamEvent): string {
  return `event: ${e.event}\n${e.id !== undefined ? `id: ${e.id}\n` : ''}data: ${JSON.stringify(e.data)}\n\n`;
}
