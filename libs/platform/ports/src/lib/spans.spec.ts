import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { enableSpans, outgoingTraceparent, traced, traceparentOf } from './spans';
import { messageContext, parseTraceparent } from './trace-context';

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traced, tracing off', () => {
  it('makes no span: a given parent becomes the message context as is, with its tenant', () => {
    const seen = traced('job run', { parent: PARENT, workspaceId: 'ws_1' }, () => messageContext.current());
    expect(seen).toEqual({ traceparent: PARENT, workspaceId: 'ws_1' });
  });

  it('without a parent leaves the context alone', () => {
    expect(traced('x', {}, () => messageContext.current())).toBeUndefined();
  });
});

describe('traced, tracing on', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

  beforeAll(() => {
    // as the SDK is started in a service: the global provider, async context across awaits
    provider.register();
    enableSpans();
  });

  afterAll(async () => {
    enableSpans(false);
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  beforeEach(() => exporter.reset());

  it('continues the trace a traceparent names, and nests the spans made inside it (across awaits)', async () => {
    let inner = '';
    let outgoing = '';
    await traced('job run', { parent: PARENT, workspaceId: 'ws_1', attributes: { 'junction.job.id': 'job_1', skipped: undefined } }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      await traced('step a', { kind: 'client' }, async () => {
        await Promise.resolve();
        inner = messageContext.current()?.traceparent ?? '';
        outgoing = outgoingTraceparent();
      });
    });
    const [step, run] = exporter.getFinishedSpans();
    expect(run.name).toBe('job run');
    expect(run.spanContext().traceId).toBe(parseTraceparent(PARENT)?.traceId);
    expect(run.parentSpanContext?.spanId).toBe(parseTraceparent(PARENT)?.spanId);
    expect(run.attributes).toEqual({ 'junction.job.id': 'job_1' });
    expect(step.name).toBe('step a');
    expect(step.kind).toBe(SpanKind.CLIENT);
    expect(step.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
    // logs and outgoing messages name the span they were made in
    expect(inner).toBe(traceparentOf(step.spanContext()));
    expect(outgoing).toBe(inner);
  });

  it('keeps the tenant of the parent it was given, not the caller’s', () => {
    const seen = messageContext.run({ traceparent: PARENT, workspaceId: 'ws_caller' }, () =>
      traced('job run', { parent: PARENT, workspaceId: 'ws_job' }, () => messageContext.current()?.workspaceId),
    );
    expect(seen).toBe('ws_job');
  });

  it('a failure ends the span as an error naming the error class, never its message', async () => {
    await expect(
      traced('step b', {}, async () => {
        throw new TypeError('the third party said secret-123');
      }),
    ).rejects.toThrow(TypeError);
    const [span] = exporter.getFinishedSpans();
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'TypeError' });
    expect(JSON.stringify(span.events)).not.toContain('secret-123');
  });

  it('a span recorder sets attributes and marks a failure by its kind', () => {
    traced('step c', {}, (span) => {
      span.set({ 'junction.step.status': 'failed', nothing: undefined });
      span.fail('retryable');
    });
    const [span] = exporter.getFinishedSpans();
    expect(span.attributes).toEqual({ 'junction.step.status': 'failed' });
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'retryable' });
  });
});
