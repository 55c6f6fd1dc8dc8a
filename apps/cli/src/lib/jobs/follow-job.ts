import type { ApiClient } from '../http/api-client';

/** A step record of a job's timeline (`GET /v1/jobs/:id` steps, or a `step` event). */
export interface StepRecord {
  seq: number;
  stepKey: string;
  kind: string;
  status: string;
  attempt?: number;
  durationMs?: number;
  finishedAt?: string;
  error?: unknown;
}

export interface JobRecord {
  id: string;
  recipeId: string;
  recipeVersion: number;
  status: string;
  createdAt: string;
  finishedAt?: string;
  error?: unknown;
  steps?: StepRecord[];
}

export const TERMINAL_STATUSES = new Set(['succeeded', 'failed', 'cancelled', 'stopped']);

function errorText(error: unknown): string {
  if (error === undefined || error === null) return '';
  if (typeof error === 'string') return error;
  const e = error as { message?: string; code?: string };
  return e.message ?? e.code ?? JSON.stringify(error);
}

/** One timeline line: `#3 send_slack action succeeded 120ms (attempt 2): error`. */
export function stepLine(step: StepRecord): string {
  const attempt = step.attempt && step.attempt > 1 ? ` (attempt ${step.attempt})` : '';
  const duration = step.durationMs !== undefined ? ` ${step.durationMs}ms` : '';
  const error = errorText(step.error);
  return `#${step.seq} ${step.stepKey} ${step.kind} ${step.status}${duration}${attempt}${error ? `: ${error}` : ''}`;
}

export function endLine(job: Pick<JobRecord, 'id' | 'status' | 'error'>): string {
  const error = errorText(job.error);
  return `job ${job.id} ${job.status}${error ? `: ${error}` : ''}`;
}

/** Parses a text/event-stream body into its events (`event:` name and the `data:` lines joined). */
export async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue; // keep-alive comment
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0 || event !== 'message') yield { event, data: data.join('\n') };
    }
  }
}

/**
 * Prints a job's step timeline as it happens and resolves with its terminal status: over the
 * job's event stream (`GET /v1/jobs/:id/events`); if that route is not there (an older gateway),
 * by polling `GET /v1/jobs/:id`.
 */
export async function followJob(api: ApiClient, jobId: string, onLine: (line: string) => void): Promise<string> {
  const what = `following job ${jobId}`;
  const res = await api.raw('GET', `/v1/jobs/${jobId}/events`, what, { headers: { accept: 'text/event-stream' } });
  if (res.ok && res.body && (res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    let status = 'unknown';
    for await (const { event, data } of serverSentEvents(res.body)) {
      if (event === 'step') onLine(stepLine(JSON.parse(data) as StepRecord));
      if (event === 'job') status = (JSON.parse(data) as JobRecord).status;
      if (event === 'end') {
        const end = JSON.parse(data) as JobRecord;
        onLine(endLine(end));
        return end.status;
      }
    }
    return status;
  }
  await res.body?.cancel();
  // the job itself must exist: its 404 is the user's error, not a missing route
  await api.get<JobRecord>(`/v1/jobs/${jobId}`, `reading job ${jobId}`);
  return pollJob(api, jobId, onLine);
}

async function pollJob(api: ApiClient, jobId: string, onLine: (line: string) => void): Promise<string> {
  let printed = 0;
  for (;;) {
    const job = await api.get<JobRecord>(`/v1/jobs/${jobId}`, `reading job ${jobId}`);
    const steps = [...(job.steps ?? [])].sort((a, b) => a.seq - b.seq);
    for (const step of steps.filter((s) => s.seq > printed)) {
      onLine(stepLine(step));
      printed = step.seq;
    }
    if (TERMINAL_STATUSES.has(job.status)) {
      onLine(endLine(job));
      return job.status;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
