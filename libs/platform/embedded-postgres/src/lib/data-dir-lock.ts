import { accessSync, closeSync, constants, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { EmbeddedDatabaseError } from './embedded-database.error';
import { isAlive, startTimeOf } from './process-info';

export const LOCK_FILE_NAME = 'junction.lock';

/** Who holds a data directory: written into the lock file as JSON. */
export interface DataDirHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
  command: string;
}

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: DataDirHolder,
  ) {
    const where = holder.host === hostname() ? '' : ` on host ${holder.host}`;
    super(
      `The data directory ${dataDir} is used by pid ${holder.pid}${where} (${holder.command}, since ${holder.since}); ` + 'stop it or set JUNCTION_DATA_DIR to another directory',
    );
    this.name = 'DataDirInUseError';
  }
}

/** Locks held by this process, so a second acquire in the same process is refused too. */
const heldHere = new Set<string>();

/**
 * One writer per data directory: a lock file created with O_EXCL that names its holder. A lock
 * whose holder is gone (pid dead on this host, or the pid now belongs to a younger process) is
 * stale and taken over. Released on `release()` and when the process exits normally.
 */
export class DataDirLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(
    readonly dataDir: string,
    readonly file: string,
    readonly holder: DataDirHolder,
  ) {
    process.once('exit', this.onExit);
  }

  static acquire(dir: string): DataDirLock {
    const dataDir = resolve(dir);
    const file = join(dataDir, LOCK_FILE_NAME);
    try {
      mkdirSync(dataDir, { recursive: true });
      accessSync(dataDir, constants.W_OK);
    } catch (error) {
      throw notWritable(dataDir, error);
    }
    const holder: DataDirHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command: describeCommand() };
    if (heldHere.has(file)) throw new DataDirInUseError(dataDir, readHolder(file) ?? holder);
    for (let attempt = 0; attempt < 3; attempt++) {
      if (createExclusive(file, holder)) {
        heldHere.add(file);
        return new DataDirLock(dataDir, file, holder);
      }
      const current = readHolder(file);
      if (current === undefined) continue; // vanished or half-written by a racing writer: look again
      if (!isStale(current)) throw new DataDirInUseError(dataDir, current);
      takeOverStale(file, current, dataDir);
    }
    const current = readHolder(file);
    throw current ? new DataDirInUseError(dataDir, current) : new Error(`Could not lock the data directory ${dataDir}: ${file} keeps changing`);
  }

  /** The holder named by the lock file of `dir`, when one exists and is alive. */
  static liveHolder(dir: string): DataDirHolder | undefined {
    const current = readHolder(join(resolve(dir), LOCK_FILE_NAME));
    return current && !isStale(current) ? current : undefined;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    process.removeListener('exit', this.onExit);
    heldHere.delete(this.file);
    const current = readHolder(this.file);
    if (current && current.pid === this.holder.pid && current.since === this.holder.since) {
      try {
        unlinkSync(this.file);
      } catch {
        // already gone: nothing to release
      }
    }
  }
}

function createExclusive(file: string, holder: DataDirHolder): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw notWritable(dirname(file), error);
  }
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readHolder(file: string): DataDirHolder | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<DataDirHolder>;
    if (typeof parsed.pid !== 'number') throw new Error('no pid');
    return { pid: parsed.pid, host: String(parsed.host ?? ''), since: String(parsed.since ?? ''), command: String(parsed.command ?? '?') };
  } catch {
    // garbage (a crash mid-write): nobody can be named, so nobody holds it
    return { pid: 0, host: hostname(), since: '', command: 'unreadable lock file' };
  }
}

function isStale(holder: DataDirHolder): boolean {
  if (holder.host !== hostname()) return false; // another machine (shared disk): we cannot tell, so it holds
  if (holder.pid === process.pid) return !isHeldBy(holder); // our pid but not our lock: a reused pid
  if (!isAlive(holder.pid)) return true;
  const started = startTimeOf(holder.pid);
  const lockedAt = Date.parse(holder.since);
  // the pid's process started after the lock was written: the pid was reused by someone else
  return started !== undefined && Number.isFinite(lockedAt) && started > lockedAt + 2000;
}

function isHeldBy(holder: DataDirHolder): boolean {
  for (const file of heldHere) {
    const current = readHolder(file);
    if (current?.since === holder.since && current.pid === holder.pid) return true;
  }
  return false;
}

/**
 * Moves the stale lock aside, then checks it moved the file it judged: a racing process may have
 * replaced it with a live lock in between, which is put back (link fails if yet another exists).
 */
function takeOverStale(file: string, stale: DataDirHolder, dataDir: string): void {
  const aside = `${file}.stale-${process.pid}`;
  try {
    renameSync(file, aside);
  } catch {
    return; // someone else moved it first: retry the create
  }
  const moved = readHolder(aside);
  if (moved && (moved.pid !== stale.pid || moved.since !== stale.since)) {
    try {
      linkSync(aside, file);
    } catch {
      // a third lock is already in place; ours to refuse on the next attempt
    }
    unlinkSync(aside);
    throw new DataDirInUseError(dataDir, moved);
  }
  unlinkSync(aside);
}

function notWritable(dataDir: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') return error as Error;
  return new EmbeddedDatabaseError(
    `The data directory ${dataDir} is not writable by this user (${code}); fix its permissions or set JUNCTION_DATA_DIR to a writable directory`,
    dataDir,
  );
}

/** What a person would recognise: `npm start` rather than the node binary's path. */
function describeCommand(): string {
  const event = process.env['npm_lifecycle_event'];
  if (event) return event === 'start' || event === 'test' ? `npm ${event}` : `npm run ${event}`;
  return [basename(process.argv0), ...process.argv.slice(1).map((arg) => basename(arg))].join(' ').slice(0, 200);
}
