import { readFileSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { commandLineOf, isAlive, isRunning } from './process-info';

export interface LeftoverServer {
  pid: number;
}

/**
 * A postmaster still running on this cluster, left by a process that was killed (SIGKILL leaves
 * the server orphaned). A postmaster.pid whose pid is dead, or now belongs to another program, is
 * not one: Postgres itself replaces a stale pid file.
 */
export function findLeftoverServer(pgDir: string): LeftoverServer | undefined {
  let lines: string[];
  try {
    lines = readFileSync(join(pgDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  if (!isAlive(pid)) return undefined;
  const command = commandLineOf(pid) ?? '';
  const recordedDir = lines[1] ? resolve(lines[1]) : '';
  if (!/postgres/.test(command) || recordedDir !== resolve(pgDir)) return undefined;
  return { pid };
}

/** Fast shutdown (SIGINT, what `pg_ctl stop -m fast` sends), then immediate (SIGQUIT), then SIGKILL. */
export async function stopServer(pid: number, fastMs = 10_000): Promise<boolean> {
  for (const [signal, waitMs] of [
    ['SIGINT', fastMs],
    ['SIGQUIT', 5_000],
    ['SIGKILL', 2_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return true; // already gone
    }
    if (await waitForExit(pid, waitMs)) return true;
  }
  return false;
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(pid)) return true;
    await new Promise((done) => setTimeout(done, 50));
  }
  return false;
}

/**
 * A postmaster.pid naming a process that has exited but not been reaped yet (a zombie: the server
 * was killed and its new parent, often a container's init, has not collected it). Postgres takes a
 * zombie for a live server and refuses to start, so wait for the reaper, then remove the file that
 * names a process that no longer runs. A dead pid is left to Postgres, which replaces the file itself.
 */
export async function clearZombiePidFile(pgDir: string, waitMs = 5_000): Promise<number | undefined> {
  const file = join(pgDir, 'postmaster.pid');
  const pidOf = () => {
    try {
      return Number(readFileSync(file, 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
  };
  const pid = pidOf();
  if (pid === undefined || !isAlive(pid) || isRunning(pid)) return undefined;
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline && isAlive(pid)) await new Promise((done) => setTimeout(done, 100));
  if (!isAlive(pid) || pidOf() !== pid) return undefined;
  unlinkSync(file);
  return pid;
}
