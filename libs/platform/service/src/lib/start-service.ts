import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import type { DestinationStream, Logger } from 'pino';
import { ConfigError, loadConfig, type PlatformEnv } from '@junction/platform/config';
import { ProblemFilter, createValidationPipe, traceContextMiddleware, verifyUtf8Body } from '@junction/platform/http';
import { createLogger, nestLogger, withNestLogScope } from '@junction/platform/logging';
import { ServiceMetrics, httpMetricsMiddleware, startMetricsServer, type MetricsServer } from '@junction/platform/metrics';
import type { PlatformBinding } from './platform-binding';
import type { ServiceDefinition } from './service-definition';
import { buildServiceModule } from './service.module';

export interface RunningService<E extends PlatformEnv = PlatformEnv> {
  app: INestApplication;
  env: E;
  logger: Logger;
  /** Base URL of the HTTP listener (`http://127.0.0.1:<port>`). */
  url: string;
  /** `GET /metrics` on METRICS_PORT; empty when the caller serves metrics itself (standalone mode). */
  metricsUrl: string;
  close(): Promise<void>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** Log destination; stdout by default. */
  logDestination?: DestinationStream;
  /** Where the ports come from: the cluster's NATS and Redis unless standalone mode passes its own. */
  platform?: PlatformBinding;
  /**
   * False: the application is initialised (handlers, consumers, timers) but opens no HTTP port —
   * standalone mode serves the API from the gateway alone.
   */
  listen?: boolean;
  /** Logger to use instead of one made from the environment (standalone mode shares one destination). */
  logger?: Logger;
  /**
   * False: SIGTERM/SIGINT are the caller's to handle (standalone mode stops its services in order,
   * then the database); Nest's own hooks would close each app on the signal and re-raise it. True by default.
   */
  shutdownHooks?: boolean;
  /**
   * Level of Nest's start-up lines (routes mapped, modules initialised): `info` by default; standalone
   * mode, six services in one terminal, passes `debug`.
   */
  frameworkLogLevel?: 'info' | 'debug';
  /**
   * False: no metrics listener of its own; the caller serves this service's registry (standalone
   * mode: one endpoint for the process). True by default: `GET /metrics` on METRICS_PORT.
   */
  metricsEndpoint?: boolean;
}

/** Boots one service: validated config, logging, platform adapters, HTTP listener. */
export async function startService<E extends PlatformEnv>(definition: ServiceDefinition<E>, options: StartOptions = {}): Promise<RunningService<E>> {
  const env = loadConfig(definition.env, options.env ?? process.env);
  const logger = options.logger ?? createLogger({ service: definition.name, level: env.LOG_LEVEL, destination: options.logDestination });
  // Nest's logger is one per process: the scope names the service its lines belong to
  return withNestLogScope({ logger, frameworkLevel: options.frameworkLogLevel ?? 'info' }, () => startApp(definition, options, env, logger));
}

async function startApp<E extends PlatformEnv>(definition: ServiceDefinition<E>, options: StartOptions, env: E, logger: Logger): Promise<RunningService<E>> {
  const app = await NestFactory.create<NestExpressApplication>(buildServiceModule(definition, env, logger, options.platform), new ExpressAdapter(strictExpress()), {
    logger: nestLogger,
    bodyParser: false,
    abortOnError: false,
  });
  app.use(traceContextMiddleware);
  app.use(httpMetricsMiddleware(app.get(ServiceMetrics)));
  // the service's own set-up first: its route-specific body parsers win over the generic JSON one
  await definition.configureApp?.(app, env);
  app.useBodyParser('json', { limit: env.BODY_LIMIT_BYTES, type: ['application/json', 'application/*+json'], verify: verifyUtf8Body });
  app.useGlobalFilters(new ProblemFilter(logger));
  app.useGlobalPipes(createValidationPipe());
  app.disable('x-powered-by');
  if (options.shutdownHooks !== false) app.enableShutdownHooks();
  if (options.listen === false) {
    await app.init();
    logger.info({ namespace: env.JUNCTION_NAMESPACE }, `${definition.name} started (no HTTP listener)`);
    return { app, env, logger, url: '', metricsUrl: '', close: () => app.close() };
  }
  let metrics: MetricsServer | undefined;
  try {
    await listenOrExplain(() => app.listen(env.PORT, env.HOST), env.PORT, env.HOST);
    if (options.metricsEndpoint !== false) {
      const registry = app.get(ServiceMetrics).registry;
      metrics = await listenOrExplain(
        () => startMetricsServer({ port: env.METRICS_PORT, host: env.HOST, registries: () => [registry] }),
        env.METRICS_PORT,
        env.HOST,
        'METRICS_PORT',
      );
    }
  } catch (error) {
    // initialised but not listening: its consumers and timers must not outlive the failed start
    await app.close().catch(() => undefined);
    throw error;
  }
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  const metricsUrl = metrics?.url ?? '';
  logger.info({ url, ...(metricsUrl ? { metricsUrl } : {}), namespace: env.JUNCTION_NAMESPACE }, `${definition.name} started`);
  return {
    app,
    env,
    logger,
    url,
    metricsUrl,
    close: async () => {
      await metrics?.close();
      await app.close();
    },
  };
}

/** A port already taken names the port and the variable that moves it, instead of a bare EADDRINUSE. */
export async function listenOrExplain<T>(listen: () => Promise<T>, port: number, host: string, variable = 'PORT'): Promise<T> {
  try {
    return await listen();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new PortInUseError(port, host, undefined, variable);
    if (code === 'EACCES') throw new PortInUseError(port, host, 'is not allowed for this user (ports below 1024 need privileges)', variable);
    throw error;
  }
}

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly port: number,
    readonly host: string,
    why = 'is already in use by another program',
    readonly variable = 'PORT',
  ) {
    super(`port ${port} on ${host} ${why}: stop that program or set ${variable} to another port (e.g. ${variable}=${port + 10})`);
  }
}

/**
 * An Express application whose router matches paths exactly: `/V1/x`, `/v1/x/` and `/v1//x` are
 * other paths (404), not spellings of `/v1/x`. Express reads these settings once, when its router
 * is first built, which NestFactory does at once, hence an application configured before Nest
 * sees it.
 */
function strictExpress(): express.Express {
  const server = express();
  server.set('case sensitive routing', true);
  server.set('strict routing', true);
  return server;
}

/** Entry point of a service process: a configuration error exits 1 with a message naming the variables. */
export function runService<E extends PlatformEnv>(definition: ServiceDefinition<E>): void {
  startService(definition).catch((error: unknown) => {
    if (error instanceof ConfigError || error instanceof PortInUseError) {
      process.stderr.write(`${definition.name}: ${error.message}\n`);
    } else {
      process.stderr.write(`${definition.name}: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    process.exit(1);
  });
}
