import pino, { type DestinationStream, type Logger } from 'pino';
import { messageContext, parseTraceparent } from '@junction/platform/ports';
import { REDACTED_PATHS } from './redaction';

export interface LoggerOptions {
  service: string;
  level: string;
  /** Where lines go; stdout by default. Tests pass a stream to capture them. */
  destination?: DestinationStream;
}

/**
 * JSON logs, one object a line. Every line written while a request or message is handled carries
 * its `traceId` and `workspaceId` (read from the async context, so no logger needs passing down).
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const context = messageContext.current();
        if (!context) return {};
        // the span's id too: with tracing on, a line is found from its span in the trace and back
        const trace = parseTraceparent(context.traceparent);
        return { traceId: trace?.traceId, spanId: trace?.spanId, workspaceId: context.workspaceId };
      },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
