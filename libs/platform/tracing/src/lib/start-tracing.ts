// The SDK is loaded with require() only when tracing is configured, so an untraced process pays nothing for it.
import type { IncomingMessage } from 'node:http';
import { enableSpans } from '@junction/platform/ports';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ScrubbingExporter } from './span-scrubber';

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface TracingConfig {
  protocol: OtlpProtocol;
}

export class TracingConfigError extends Error {
  override readonly name = 'TracingConfigError';
}

const PROTOCOLS: readonly string[] = ['http/protobuf', 'http/json'];

/**
 * Whether and how to export traces, from the standard variables: on only when an OTLP endpoint is
 * set (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`), and not turned off
 * by `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`. The endpoint, headers, timeout,
 * sampler and batch settings are read by the exporter and the SDK themselves.
 */
export function tracingConfig(env: NodeJS.ProcessEnv): TracingConfig | undefined {
  if (!env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] && !env['OTEL_EXPORTER_OTLP_ENDPOINT']) return undefined;
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return undefined;
  const exporter = env['OTEL_TRACES_EXPORTER']?.trim().toLowerCase();
  if (exporter === 'none') return undefined;
  if (exporter && exporter !== 'otlp') throw new TracingConfigError(`OTEL_TRACES_EXPORTER=${exporter} is not supported: use otlp (or none)`);
  const protocol = (env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] || env['OTEL_EXPORTER_OTLP_PROTOCOL'] || 'http/protobuf').trim();
  if (!PROTOCOLS.includes(protocol)) throw new TracingConfigError(`OTLP protocol ${protocol} is not supported: use http/protobuf or http/json`);
  return { protocol: protocol as OtlpProtocol };
}

export interface Tracing {
  /** Exports the spans still buffered and stops. */
  shutdown(): Promise<void>;
}

let running: { provider: NodeTracerProvider; service: string } | undefined;

/**
 * Starts the OpenTelemetry SDK for one process, before the code it instruments is loaded (each
 * app's `main.ts` imports its `tracing.ts` first): HTTP servers and clients, undici (fetch and the
 * connectors' outbound calls), pg and ioredis, plus the spans the platform makes itself (`traced`:
 * messages, jobs, steps). Returns undefined, having loaded nothing of the SDK, when no exporter is
 * configured. Idempotent: standalone mode starts it once for all services.
 */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  if (running) return { shutdown: () => shutdownTracing() };
  const config = tracingConfig(env);
  if (!config) return undefined;
  const { NodeTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { resourceFromAttributes, detectResources, envDetector } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  if (env['OTEL_LOG_LEVEL']) {
    const { diag, DiagConsoleLogger, DiagLogLevel } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
    const level = DiagLogLevel[env['OTEL_LOG_LEVEL'].trim().toUpperCase() as keyof typeof DiagLogLevel] ?? DiagLogLevel.WARN;
    diag.setLogger(new DiagConsoleLogger(), level);
  }
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the defaults
  const resource = resourceFromAttributes({ 'service.name': `junction-${service}`, 'service.namespace': 'junction' }).merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new ScrubbingExporter(otlpExporter(config.protocol)))] });
  provider.register();
  registerInstrumentations({ tracerProvider: provider, instrumentations: instrumentations() });
  running = { provider, service };
  enableSpans();
  return { shutdown: () => shutdownTracing() };
}

/** Flushes and stops the SDK started by `startTracing`, if any. */
export async function shutdownTracing(): Promise<void> {
  const current = running;
  if (!current) return;
  running = undefined;
  enableSpans(false);
  await current.provider.shutdown();
}

/** Exports buffered spans now (a test reads them; a process about to stop). */
export async function flushTracing(): Promise<void> {
  await running?.provider.forceFlush();
}

function otlpExporter(protocol: OtlpProtocol): SpanExporter {
  if (protocol === 'http/json') {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter();
  }
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter();
}

// probes and scrapes are not traced: a trace per poll would drown the ones that matter
const UNTRACED_PATHS = /^\/(health|metrics)(\/|\?|$)/;

function instrumentations() {
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { IORedisInstrumentation } = require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
  return [
    // no header is recorded (headersToSpanAttributes stays empty); query strings are cut by the scrubber
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req: IncomingMessage) => UNTRACED_PATHS.test(req.url ?? ''),
      requireParentforOutgoingSpans: true,
    }),
    new UndiciInstrumentation(),
    // background polls (job claims, lease renewals) make no trace of their own: only queries inside one
    new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true, enhancedDatabaseReporting: false }),
    // the command name only: keys and values may be credentials' digests or cached data
    new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command: string) => command }),
  ];
}
