import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace, type Context, type Span, type SpanContext } from '@opentelemetry/api';
import { childTraceparent, messageContext, parseTraceparent } from './trace-context';

export type SpanKindName = 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export interface SpanSpec {
  kind?: SpanKindName;
  attributes?: SpanAttributes;
  /**
   * The W3C traceparent to continue (a message's header, a job's stored context) instead of the
   * current context; the tenant is then `workspaceId`, never the caller's.
   */
  parent?: string;
  workspaceId?: string;
}

/** What a unit of work may add to its span (a no-op with tracing off). */
export interface SpanRecorder {
  set(attributes: SpanAttributes): void;
  /** Marks the span failed; `reason` is a kind or code, never a message that may carry data. */
  fail(reason: string): void;
}

const KINDS: Record<SpanKindName, SpanKind> = {
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

const NOTHING: SpanRecorder = { set: () => undefined, fail: () => undefined };

let enabled = false;

/**
 * Turned on once by `@junction/platform/tracing` after it registered the SDK. Off (no exporter
 * configured), `traced` makes no span and touches no OpenTelemetry code: the trace context is the
 * hand-made one in `messageContext`, as it always was.
 */
export function enableSpans(on = true): void {
  enabled = on;
}

export function spansEnabled(): boolean {
  return enabled;
}

/**
 * The traceparent an outgoing message carries: with tracing on the sender runs inside its own
 * client/producer span, which goes as is; off, a child of the current context is made up.
 */
export function outgoingTraceparent(): string {
  const current = messageContext.current()?.traceparent;
  return enabled && current ? current : childTraceparent(current);
}

/** The W3C traceparent naming a span. */
export function traceparentOf(span: SpanContext): string {
  return `00-${span.traceId}-${span.spanId}-${(span.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** An OpenTelemetry context whose parent is the span a traceparent names (remote), or the root. */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  const parsed = parseTraceparent(traceparent);
  if (!parsed) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: parsed.traceId, spanId: parsed.spanId, traceFlags: parseInt(parsed.flags, 16), isRemote: true });
}

/**
 * The current position in the trace. `messageContext` is the reference: every span made here
 * sets both, and an instrumentation's span (an HTTP server span) is adopted by the middleware.
 */
function currentContext(): Context {
  const current = messageContext.current()?.traceparent;
  const active = context.active();
  const span = trace.getSpan(active);
  if (!current || (span && traceparentOf(span.spanContext()) === current)) return active;
  return contextFromTraceparent(current);
}

/**
 * `work` inside a span (tracing on) whose traceparent is also the message context's, so logs,
 * outgoing messages and instrumented clients (pg, ioredis, undici) all name it. The span ends when
 * `work` (or its promise) does, failed if it threw. With tracing off: `work` runs in the context
 * `spec.parent` names when given (a message or a job continues its trace), else as it is.
 */
export function traced<T>(name: string, spec: SpanSpec, work: (span: SpanRecorder) => T): T {
  if (!enabled) {
    if (spec.parent === undefined) return work(NOTHING);
    return messageContext.run(withTenant(spec.parent || childTraceparent(), spec.workspaceId), () => work(NOTHING));
  }
  const parent = spec.parent !== undefined ? contextFromTraceparent(spec.parent) : currentContext();
  const span = trace.getTracer('junction').startSpan(name, { kind: KINDS[spec.kind ?? 'internal'], attributes: defined(spec.attributes) }, parent);
  const workspaceId = spec.parent !== undefined ? spec.workspaceId : (spec.workspaceId ?? messageContext.current()?.workspaceId);
  const recorder = recorderOf(span);
  return context.with(trace.setSpan(parent, span), () =>
    messageContext.run(withTenant(traceparentOf(span.spanContext()), workspaceId), () => {
      let result: T;
      try {
        result = work(recorder);
      } catch (error) {
        endFailed(span, error);
        throw error;
      }
      if (!isPromise(result)) {
        span.end();
        return result;
      }
      return result.then(
        (value) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          endFailed(span, error);
          throw error;
        },
      ) as T;
    }),
  );
}

/** The active span (an instrumentation's HTTP server span) renamed, e.g. to its route; no-op off. */
export function nameActiveSpan(name: string, attributes?: SpanAttributes): void {
  if (!enabled) return;
  const span = trace.getSpan(context.active());
  span?.updateName(name);
  if (attributes) span?.setAttributes(defined(attributes));
}

/**
 * A handle on the active span (the HTTP server span) to name it later, once the router has
 * matched a route; undefined with tracing off or no span.
 */
export function activeSpanNamer(): ((name: string, attributes?: SpanAttributes) => void) | undefined {
  if (!enabled) return undefined;
  const span = trace.getSpan(context.active());
  if (!span) return undefined;
  return (name, attributes) => {
    span.updateName(name);
    if (attributes) span.setAttributes(defined(attributes));
  };
}

/** The traceparent of the instrumentation's active span (the HTTP server span), if tracing is on and there is one. */
export function activeTraceparent(): string | undefined {
  if (!enabled) return undefined;
  const span = trace.getSpan(context.active());
  return span ? traceparentOf(span.spanContext()) : undefined;
}

function recorderOf(span: Span): SpanRecorder {
  return {
    set: (attributes) => void span.setAttributes(defined(attributes)),
    fail: (reason) => void span.setStatus({ code: SpanStatusCode.ERROR, message: reason }),
  };
}

function endFailed(span: Span, error: unknown): void {
  // the error's class only: messages may quote what a third party answered
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : typeof error });
  span.end();
}

function withTenant(traceparent: string, workspaceId: string | undefined) {
  return workspaceId ? { traceparent, workspaceId } : { traceparent };
}

function defined(attributes: SpanAttributes | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes ?? {})) if (value !== undefined) out[key] = value;
  return out;
}

function isPromise<T>(value: T): value is T & Promise<Awaited<T>> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
