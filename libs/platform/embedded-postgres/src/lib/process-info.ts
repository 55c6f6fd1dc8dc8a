import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** True while a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Alive and not a zombie: an exited process nobody has reaped yet still answers kill(0). */
export function isRunning(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true; // no /proc (macOS): alive is the best we know
  }
}

/** The process's command line, or undefined when it is gone. /proc on Linux, `ps` elsewhere (macOS). */
export function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    try {
      return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * When the process started (epoch ms), Linux only. Used to tell a reused pid from the holder that
 * wrote a lock: after a container restart the same small pid comes back as a different process.
 */
export function startTimeOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: count fields after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[19]); // field 22 overall
    const bootLine = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((line) => line.startsWith('btime '));
    if (!bootLine || !Number.isFinite(startTicks)) return undefined;
    const ticksPerSecond = 100; // USER_HZ is 100 on every Linux ABI Node ships for
    return Number(bootLine.slice(6)) * 1000 + (startTicks / ticksPerSecond) * 1000;
  } catch {
    return undefined;
  }
}
