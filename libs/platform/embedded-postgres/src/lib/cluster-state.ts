import { accessSync, constants, existsSync, lstatSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedDatabaseError } from './embedded-database.error';

/** Where things live inside a data directory. */
export interface DataDirLayout {
  dataDir: string;
  /** The Postgres cluster (initdb's directory). */
  pgDir: string;
  passwordFile: string;
  logFile: string;
}

export function layoutOf(dataDir: string): DataDirLayout {
  return { dataDir, pgDir: join(dataDir, 'pg'), passwordFile: join(dataDir, 'pg-password'), logFile: join(dataDir, 'pg.log') };
}

/** `new`: nothing there yet (or an empty `pg` directory), initdb will create it; `existing`: a cluster of our major version. */
export type ClusterState = 'new' | 'existing';

const WHAT_TO_DO = 'move it away (or restore it from a backup), or set JUNCTION_DATA_DIR to another directory';

/**
 * Reads the data directory and judges it, changing nothing: every refusal names the path and what
 * to do. Runs before anything is created, so a bad directory is left exactly as it was found.
 */
export function inspectDataDir(layout: DataDirLayout, serverMajor: number): ClusterState {
  const { dataDir, pgDir, passwordFile } = layout;
  if (existsSync(dataDir)) {
    if (!statSync(dataDir).isDirectory()) throw new EmbeddedDatabaseError(`The data directory ${dataDir} is not a directory; ${WHAT_TO_DO}`, dataDir);
    try {
      accessSync(dataDir, constants.R_OK | constants.W_OK | constants.X_OK);
    } catch {
      throw new EmbeddedDatabaseError(`The data directory ${dataDir} is not writable by this user; fix its permissions or set JUNCTION_DATA_DIR to a writable directory`, dataDir);
    }
  }
  let pgStat;
  try {
    pgStat = lstatSync(pgDir);
  } catch {
    return 'new';
  }
  if (!pgStat.isDirectory()) throw new EmbeddedDatabaseError(`${pgDir} should hold the embedded Postgres database but is not a directory; ${WHAT_TO_DO}`, pgDir);
  let entries: string[];
  try {
    entries = readdirSync(pgDir);
  } catch (error) {
    throw new EmbeddedDatabaseError(`The database directory ${pgDir} cannot be read (${(error as NodeJS.ErrnoException).code}); fix its permissions or ${WHAT_TO_DO}`, pgDir);
  }
  if (entries.length === 0) return 'new';
  if (!entries.includes('PG_VERSION')) {
    throw new EmbeddedDatabaseError(`${pgDir} is not a Postgres database (no PG_VERSION) but is not empty; ${WHAT_TO_DO}`, pgDir);
  }
  const versionFile = join(pgDir, 'PG_VERSION');
  const version = readFileSync(versionFile, 'utf8').trim();
  if (!/^\d+$/.test(version)) {
    throw new EmbeddedDatabaseError(`The database in ${pgDir} is damaged: ${versionFile} holds no version number; ${WHAT_TO_DO}`, pgDir);
  }
  if (Number(version) !== serverMajor) {
    throw new EmbeddedDatabaseError(
      `The database in ${pgDir} was created by Postgres ${version} and this build runs Postgres ${serverMajor}; ` + `export it with that version's pg_dump, or ${WHAT_TO_DO}`,
      pgDir,
    );
  }
  if (!existsSync(join(pgDir, 'global', 'pg_control'))) {
    throw new EmbeddedDatabaseError(`The database in ${pgDir} is damaged: global/pg_control is missing; ${WHAT_TO_DO}`, pgDir);
  }
  if (pgStat.mode & 0o027) {
    throw new EmbeddedDatabaseError(`Postgres refuses ${pgDir} because others can access it (mode ${(pgStat.mode & 0o777).toString(8)}); run chmod 700 ${pgDir}`, pgDir);
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if (uid !== undefined && uid !== 0 && pgStat.uid !== uid) {
    throw new EmbeddedDatabaseError(`${pgDir} belongs to uid ${pgStat.uid}, not to this user (uid ${uid}); start as its owner or ${WHAT_TO_DO}`, pgDir);
  }
  if (!existsSync(passwordFile)) {
    throw new EmbeddedDatabaseError(`${passwordFile} is missing, so the database in ${pgDir} cannot be logged into; restore that file, or ${WHAT_TO_DO}`, passwordFile);
  }
  return 'existing';
}
