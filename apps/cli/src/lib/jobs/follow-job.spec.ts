import { endLine, serverSentEvents, stepLine } from './follow-job';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

describe('job timeline', () => {
  it('reads server-sent events split anywhere, skipping keep-alive comments', async () => {
    const events: { event: string; data: string }[] = [];
    const chunks = ['event: job\ndata: {"status":"running"}\n\n: keep-alive\n\nid: 1\nevent: st', 'ep\ndata: {"seq":1}\r\n\r\nevent: end\ndata: {"status":', '"succeeded"}\n\n'];
    for await (const e of serverSentEvents(streamOf(chunks))) events.push(e);
    expect(events).toEqual([
      { event: 'job', data: '{"status":"running"}' },
      { event: 'step', data: '{"seq":1}' },
      { event: 'end', data: '{"status":"succeeded"}' },
    ]);
  });

  it('prints one line per step and one for the end', () => {
    expect(
      stepLine({ seq: 3, stepKey: 'push', kind: 'action', status: 'retrying', attempt: 2, durationMs: 120, error: { code: 'http_503', message: 'Service Unavailable' } }),
    ).toBe('#3 push action retrying 120ms (attempt 2): Service Unavailable');
    expect(stepLine({ seq: 1, stepKey: 'each[0].set', kind: 'set', status: 'succeeded', durationMs: 0 })).toBe('#1 each[0].set set succeeded 0ms');
    expect(endLine({ id: 'job_1', status: 'failed', error: 'timed out' })).toBe('job job_1 failed: timed out');
  });
});
