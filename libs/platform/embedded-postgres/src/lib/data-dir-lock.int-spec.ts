import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError, DataDirLock, LOCK_FILE_NAME } from './data-dir-lock';
import { exitOf, firstLine, spawnFixture } from './fixtures/child-process';

describe('DataDirLock', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'junction-lock-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function writeLock(content: object | string): void {
    writeFileSync(join(dir, LOCK_FILE_NAME), typeof content === 'string' ? content : JSON.stringify(content));
  }

  function deadPid(): number {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    return Number(child.stdout);
  }

  it('refuses a second acquire from another process and names the holder', async () => {
    const holder = spawnFixture('hold-lock', [dir], { env: { ...process.env, npm_lifecycle_event: 'start' } });
    try {
      expect(await firstLine(holder)).toBe('locked');
      let refusal: unknown;
      try {
        DataDirLock.acquire(dir);
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toBeInstanceOf(DataDirInUseError);
      const message = (refusal as Error).message;
      expect(message).toContain(`The data directory ${dir} is used by pid ${holder.pid} (npm start, since `);
      expect(message).toContain('stop it or set JUNCTION_DATA_DIR to another directory');
      expect((refusal as DataDirInUseError).holder.pid).toBe(holder.pid);
    } finally {
      holder.kill('SIGKILL');
      await exitOf(holder);
    }
  });

  it('refuses a second acquire in the same process, and allows one after release', () => {
    const lock = DataDirLock.acquire(dir);
    expect(() => DataDirLock.acquire(dir)).toThrow(DataDirInUseError);
    expect(DataDirLock.liveHolder(dir)?.pid).toBe(process.pid);
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
    expect(DataDirLock.liveHolder(dir)).toBeUndefined();
    DataDirLock.acquire(dir).release();
  });

  it('writes pid, host, start time and command into the lock file', () => {
    const lock = DataDirLock.acquire(dir);
    const written = JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8')) as Record<string, unknown>;
    expect(written).toEqual({ pid: process.pid, host: hostname(), since: expect.any(String), command: expect.any(String) });
    expect(Date.now() - Date.parse(written['since'] as string)).toBeLessThan(60_000);
    lock.release();
  });

  it('takes over a stale lock whose pid is dead on this host', () => {
    writeLock({ pid: deadPid(), host: hostname(), since: new Date().toISOString(), command: 'npm start' });
    const lock = DataDirLock.acquire(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('takes over a lock whose pid now belongs to a younger process (pid reused after a restart)', async () => {
    const stranger = spawn('sleep', ['30']);
    try {
      const anHourAgo = new Date(Date.now() - 3_600_000).toISOString();
      writeLock({ pid: stranger.pid, host: hostname(), since: anHourAgo, command: 'npm start' });
      const lock = DataDirLock.acquire(dir);
      expect(JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8')).pid).toBe(process.pid);
      lock.release();
    } finally {
      stranger.kill('SIGKILL');
      await exitOf(stranger);
    }
  });

  it('takes over an unreadable lock file (a crash while writing it)', () => {
    writeLock('{"pid": 12');
    DataDirLock.acquire(dir).release();
  });

  it('keeps a lock held from another host: a live holder cannot be ruled out', () => {
    writeLock({ pid: deadPid(), host: 'other-machine', since: new Date().toISOString(), command: 'npm start' });
    expect(() => DataDirLock.acquire(dir)).toThrow(/used by pid \d+ on host other-machine \(npm start/);
  });

  it('does not remove a lock another process took after ours was taken over', () => {
    const lock = DataDirLock.acquire(dir);
    const successor = { pid: 999_999, host: 'other-machine', since: new Date().toISOString(), command: 'npm start' };
    writeLock(successor);
    lock.release();
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8'))).toEqual(successor);
  });
});
