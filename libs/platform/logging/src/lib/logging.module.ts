import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { LoggerModule } from 'nestjs-pino';
import { messageContext, traceIdOf } from '@junction/platform/ports';

/**
 * Nest's logger and the HTTP access log, both writing through the one pino instance of the
 * process. The request id of an access line is the trace id, so logs and traces join.
 */
@Module({})
export class LoggingModule {
  /** `accessLog: false` drops the per-request line (benchmarks, very high request rates). */
  static forRoot(logger: Logger, accessLog = true): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger,
            genReqId: (req) => traceIdOf(messageContext.current()?.traceparent) ?? String(req.headers['x-request-id'] ?? ''),
            customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
            autoLogging: accessLog ? { ignore: (req) => req.url === '/health/live' || req.url === '/health/ready' || req.url === '/metrics' } : false,
            serializers: {
              // path only: query strings carry one-time secrets (the OAuth callback's code and state) and user data
              req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url.split('?', 1)[0] }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
          },
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
