import { Inject, type DynamicModule, type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import type { Logger } from 'pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp, type HttpLogger } from 'pino-http';
import { messageContext, traceIdOf } from '@junction/platform/ports';

const ACCESS_LOG = Symbol('AccessLog');

type AccessLogMiddleware = HttpLogger<IncomingMessage, ServerResponse>;

/**
 * The HTTP access log of one application, written through its service's pino instance. The
 * request id of an access line is the trace id, so logs and traces join. (`pino-http` directly:
 * nestjs-pino keeps one middleware per process, which labelled every service of a standalone
 * process with the first one's name.) Nest's own lines go through `nestLogger`.
 */
@Module({})
export class LoggingModule implements NestModule {
  /** `accessLog: false` drops the per-request line (benchmarks, very high request rates). */
  static forRoot(logger: Logger, accessLog = true): DynamicModule {
    return { module: LoggingModule, providers: [{ provide: ACCESS_LOG, useValue: accessLog ? accessLogMiddleware(logger) : null }] };
  }

  constructor(@Inject(ACCESS_LOG) private readonly middleware: AccessLogMiddleware | null) {}

  configure(consumer: MiddlewareConsumer): void {
    if (this.middleware) consumer.apply(this.middleware).forRoutes({ path: '{/*splat}', method: RequestMethod.ALL });
  }
}

function accessLogMiddleware(logger: Logger): AccessLogMiddleware {
  return pinoHttp<IncomingMessage, ServerResponse>({
    logger,
    genReqId: (req) => traceIdOf(messageContext.current()?.traceparent) ?? String(req.headers['x-request-id'] ?? ''),
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    autoLogging: { ignore: (req) => req.url === '/health/live' || req.url === '/health/ready' || req.url === '/metrics' },
    serializers: {
      // path only: query strings carry one-time secrets (the OAuth callback's code and state) and user data
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url.split('?', 1)[0] }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}
