import { SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ScrubbingExporter, scrubAttributes, scrubText } from './span-scrubber';

const SECRET = 's3cr3t-value';

describe('scrubText', () => {
  it.each([
    [`https://api.example.com/v1/items?api_key=${SECRET}#frag`, 'https://api.example.com/v1/items'],
    [`https://user:${SECRET}@api.example.com/path`, 'https://api.example.com/path'],
    [`/v1/oauth/callback?code=${SECRET}&state=${SECRET}`, '/v1/oauth/callback'],
    [`/hooks/hk_${SECRET}`, '/hooks/:hookId'],
    [`POST http://127.0.0.1:3000/hooks/${SECRET}?sig=${SECRET}`, 'POST http://127.0.0.1:3000/hooks/:hookId'],
    [`Authorization: Bearer ${SECRET}`, 'Authorization: Bearer [REDACTED]'],
    [`key jn_live_${SECRET}`, 'key [REDACTED]'],
    ['GET /v1/jobs/:id', 'GET /v1/jobs/:id'],
  ])('%s → %s', (input, expected) => {
    expect(scrubText(input)).toBe(expected);
  });
});

describe('scrubAttributes', () => {
  it('drops headers, bodies, query strings and anything named like a credential; scrubs the rest', () => {
    const out = scrubAttributes({
      'http.request.header.authorization': [`Bearer ${SECRET}`],
      'http.request.body': SECRET,
      'url.query': `code=${SECRET}`,
      'db.connection_string': `postgres://u:${SECRET}@db/x`,
      'junction.token': SECRET,
      'x.api_key': SECRET,
      'url.full': `https://api.example.com/x?state=${SECRET}`,
      'http.target': `/callback?code=${SECRET}`,
      'http.status_code': 200,
      'junction.job.redriven': false,
    });
    expect(out).toEqual({ 'url.full': 'https://api.example.com/x', 'http.target': '/callback', 'http.status_code': 200, 'junction.job.redriven': false });
  });
});

describe('ScrubbingExporter', () => {
  it('exports the same span ids with name, attributes, events and status scrubbed, so no secret leaves', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ScrubbingExporter(memory))] });
    const span = provider.getTracer('test').startSpan(`GET /hooks/${SECRET}?token=${SECRET}`, {
      attributes: { 'url.full': `http://127.0.0.1/x?password=${SECRET}`, 'http.request.header.cookie': SECRET },
    });
    span.recordException(new Error(`the third party said ${SECRET}`));
    span.addEvent('retry', { 'junction.attempt': 2, 'http.response.body': SECRET });
    span.setStatus({ code: SpanStatusCode.ERROR, message: `failed with ${SECRET}` });
    const { traceId, spanId } = span.spanContext();
    span.end();
    await provider.forceFlush();

    const [exported] = memory.getFinishedSpans();
    expect(exported.spanContext()).toMatchObject({ traceId, spanId });
    expect(exported.name).toBe('GET /hooks/:hookId');
    expect(exported.attributes).toEqual({ 'url.full': 'http://127.0.0.1/x' });
    expect(exported.events.map((e) => [e.name, e.attributes])).toEqual([
      ['exception', { 'exception.type': 'Error' }],
      ['retry', { 'junction.attempt': 2 }],
    ]);
    // a sentence as status message is dropped, the code stays
    expect(exported.status).toEqual({ code: SpanStatusCode.ERROR });
    expect(JSON.stringify({ name: exported.name, attributes: exported.attributes, events: exported.events, status: exported.status })).not.toContain(SECRET);
    await provider.shutdown();
  });

  it('keeps a status message that is a code', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ScrubbingExporter(memory))] });
    const span = provider.getTracer('test').startSpan('step');
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'retryable' });
    span.end();
    await provider.forceFlush();
    expect(memory.getFinishedSpans()[0].status).toEqual({ code: SpanStatusCode.ERROR, message: 'retryable' });
    await provider.shutdown();
  });
});
