import type { JobStepView, JobView } from '@junction/executor/contracts';
import { formatEvent, JobTimeline } from './job-timeline';

const step = (seq: number, stepId: string, status = 'succeeded', extra: Partial<JobStepView> = {}): JobStepView => ({
  seq,
  stepId,
  stepKey: stepId,
  kind: 'set',
  status,
  startedAt: '2026-12-07T10:00:00.000Z',
  finishedAt: '2026-12-07T10:00:00.040Z',
  durationMs: 40,
  input: { secret: 'not streamed' },
  output: { big: 'not streamed' },
  ...extra,
});

const job = (status: JobView['status'], steps: JobStepView[], extra: Partial<JobView> = {}): JobView =>
  ({ id: 'job_1', recipeId: 'rcp_1', recipeVersion: 2, status, dedupeKey: 'k', createdAt: '2026-12-07T10:00:00.000Z', trigger: {}, steps, ...extra }) as JobView;

describe('JobTimeline', () => {
  it('sends the job and every step on the first read, then only what changed, then end once terminal', () => {
    const timeline = new JobTimeline();
    const first = timeline.next(job('running', [step(2, 'b'), step(1, 'a')]));
    expect(first.map((e) => [e.event, e.id])).toEqual([
      ['job', undefined],
      ['step', '1'],
      ['step', '2'],
    ]);
    expect(first[1].data).not.toHaveProperty('input');
    expect(first[1].data).not.toHaveProperty('output');
    expect(first[1].data).toMatchObject({ seq: 1, stepId: 'a', kind: 'set', status: 'succeeded', durationMs: 40 });

    expect(timeline.next(job('running', [step(1, 'a'), step(2, 'b')]))).toEqual([]);
    const retry = timeline.next(job('running', [step(1, 'a'), step(2, 'b'), step(3, 'c', 'retrying', { attempt: 1, error: { message: '503' } })]));
    expect(retry).toEqual([{ event: 'step', id: '3', data: expect.objectContaining({ status: 'retrying', attempt: 1, error: { message: '503' } }) }]);
    expect(timeline.done).toBe(false);

    const end = timeline.next(
      job('failed', [step(1, 'a'), step(2, 'b'), step(3, 'c', 'retrying', { attempt: 1, error: { message: '503' } }), step(4, 'c', 'failed')], {
        finishedAt: 'T',
        error: { stepId: 'c' },
      }),
    );
    expect(end.map((e) => e.event)).toEqual(['job', 'step', 'end']);
    expect(end[2].data).toEqual({ id: 'job_1', status: 'failed', finishedAt: 'T', error: { stepId: 'c' } });
    expect(timeline.done).toBe(true);
    expect(timeline.next(job('failed', []))).toEqual([]);
  });

  it('skips steps up to the Last-Event-ID of a reconnecting client', () => {
    const events = new JobTimeline(2).next(job('succeeded', [step(1, 'a'), step(2, 'b'), step(3, 'c')]));
    expect(events.map((e) => [e.event, e.id])).toEqual([
      ['job', undefined],
      ['step', '3'],
      ['end', undefined],
    ]);
  });

  it('writes one event per block with its data on a single line', () => {
    expect(formatEvent({ event: 'step', id: '7', data: { message: 'two\nlines' } })).toBe('event: step\nid: 7\ndata: {"message":"two\\nlines"}\n\n');
    expect(formatEvent({ event: 'end', data: { status: 'succeeded' } })).toBe('event: end\ndata: {"status":"succeeded"}\n\n');
  });
});
