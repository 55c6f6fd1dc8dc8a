import { AsyncLocalStorage } from 'node:async_hooks';
import type { LoggerService } from '@nestjs/common';
import type { Level, Logger } from 'pino';

/** Nest's own lines about its start-up wiring ("Mapped {...} route", "... dependencies initialized"). */
const FRAMEWORK_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/** Where the Nest lines of one service go while it starts and runs. */
export interface NestLogScope {
  logger: Logger;
  /** Level of Nest's informational start-up lines: `debug` keeps a process of six services quiet. */
  frameworkLevel: 'info' | 'debug';
}

const scopes = new AsyncLocalStorage<NestLogScope>();
// a line from outside every scope (rare: a hook run from a signal handler) goes to the last service started
let lastScope: NestLogScope | undefined;

/**
 * Runs `start` (a service's Nest application being created and started) with its Nest lines going
 * to `scope.logger`. Nest's logger is one per process, so with several applications in one process
 * (standalone mode) the line's async context is what tells whose it is.
 */
export function withNestLogScope<T>(scope: NestLogScope, start: () => T): T {
  lastScope = scope;
  return scopes.run(scope, start);
}

/** Nest's `LoggerService` for every application of the process: pino lines of the service in scope. */
class NestLogRouter implements LoggerService {
  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    const scope = scopes.getStore() ?? lastScope;
    if (!scope) return;
    // Nest passes the context (the class that logs) last
    const context = params.length > 0 ? params[params.length - 1] : undefined;
    const rest = params.slice(0, -1);
    if (level === 'info' && typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context)) level = scope.frameworkLevel;
    const fields: Record<string, unknown> = context === undefined ? {} : { context };
    if (message instanceof Error) {
      scope.logger[level]({ ...fields, err: message });
    } else if (typeof message === 'object' && message !== null) {
      scope.logger[level]({ ...fields, ...message });
    } else if (level === 'error' && typeof rest[0] === 'string' && /\n\s*at /.test(rest[0])) {
      // Nest's exception handlers pass (message, stack, context)
      const err = new Error(String(message));
      err.stack = rest[0];
      scope.logger.error({ ...fields, err });
    } else {
      scope.logger[level](fields, String(message), ...rest);
    }
  }
}

export const nestLogger: LoggerService = new NestLogRouter();
