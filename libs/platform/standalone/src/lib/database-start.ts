import { chmodSync, mkdirSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { DataDirLock, EmbeddedDatabaseError, EmbeddedPostgres, type EmbeddedPostgresLogger } from '@junction/platform/embedded-postgres';
import { loadLocalSecrets, type LocalSecrets } from './local-secrets';

/** `JUNCTION_DATA_DIR`, else `.junction` in the working directory (the repository for `npm start`). */
export function resolveDataDir(env: NodeJS.ProcessEnv): string {
  const dir = env['JUNCTION_DATA_DIR'] || '.junction';
  return isAbsolute(dir) ? dir : resolve(process.cwd(), dir);
}

/**
 * Holds what the embedded database logs until the service logger exists: that logger's module
 * graph is what the database start runs beside, so it cannot be loaded first.
 */
export class DeferredLog implements EmbeddedPostgresLogger {
  private buffered: [level: 'info' | 'warn', message: string][] = [];
  private target: EmbeddedPostgresLogger | undefined;

  info(message: string): void {
    this.write('info', message);
  }

  warn(message: string): void {
    this.write('warn', message);
  }

  /** Writes what was held, in order, and everything later straight to `logger`. */
  attach(logger: EmbeddedPostgresLogger): void {
    this.target = logger;
    for (const [level, message] of this.buffered.splice(0)) logger[level](message);
  }

  private write(level: 'info' | 'warn', message: string): void {
    if (this.target) this.target[level](message);
    else this.buffered.push([level, message]);
  }
}

/** The data directory, held by this process, with its embedded Postgres answering. */
export interface StartedDatabase {
  dataDir: string;
  lock: DataDirLock;
  secrets: LocalSecrets;
  postgres: EmbeddedPostgres;
}

/** A database start under way: `started` settles once Postgres answers (or the start failed). */
export interface DatabaseStart {
  started: Promise<StartedDatabase>;
  /** What the start logs, held until a logger is attached. */
  log: DeferredLog;
}

/**
 * The first half of a standalone start: takes the data directory (one writer), reads or makes its
 * secrets and starts the embedded Postgres (initdb on a first start). It loads only the database's
 * own modules, so `apps/standalone` calls it before it loads the services' code: Postgres starts
 * in its own process while Nest, TypeORM and the features load (about 2 s each on two busy cores).
 * A failed start leaves nothing held or running.
 */
export function startDatabase(env: NodeJS.ProcessEnv): DatabaseStart {
  const log = new DeferredLog();
  const started = (async () => {
    const dataDir = resolveDataDir(env);
    // as root the embedded Postgres runs as an unprivileged user that must pass through the directory;
    // the secrets in it are files of mode 0600 either way
    const created = makeDataDir(dataDir);
    if (created && process.getuid?.() === 0) chmodSync(dataDir, 0o711);
    const lock = await DataDirLock.acquire(dataDir);
    try {
      const secrets = loadLocalSecrets(dataDir);
      const postgres = await EmbeddedPostgres.start({ dataDir, logger: log });
      return { dataDir, lock, secrets, postgres };
    } catch (error) {
      lock.release();
      throw error;
    }
  })();
  // awaited by startStandalone, possibly after a failure: not an unhandled rejection meanwhile
  started.catch(() => undefined);
  return { started, log };
}

/** Creates the data directory if missing; a path that cannot be one (a file, no permission) is refused naming it. */
function makeDataDir(dataDir: string): string | undefined {
  try {
    return mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'is not a directory (or lies under a file)' : `cannot be created (${code})`;
    throw new EmbeddedDatabaseError(`The data directory ${dataDir} ${why}; move that away, or set JUNCTION_DATA_DIR to another directory`, dataDir);
  }
}
