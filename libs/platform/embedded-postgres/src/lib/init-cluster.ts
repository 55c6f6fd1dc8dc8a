import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { DataDirLayout } from './cluster-state';
import { EmbeddedDatabaseError } from './embedded-database.error';
import type { RunAs } from './run-as';

/**
 * First start: a random superuser password (kept in `pg-password`, 0600, written before initdb so a
 * crash can never leave a cluster nobody can log into), then initdb with scram authentication.
 */
export async function initCluster(layout: DataDirLayout, initdb: string, runAs: RunAs | undefined): Promise<string> {
  const password = randomBytes(32).toString('hex');
  writePrivate(layout.passwordFile, password, undefined);
  mkdirSync(layout.pgDir, { recursive: true, mode: 0o700 });
  if (runAs) chownSync(layout.pgDir, runAs.uid, runAs.gid);
  // initdb reads the password from a file; the server's account must be able to read it, nobody else
  const pwfile = join(layout.dataDir, `.initdb-pw-${process.pid}-${randomBytes(4).toString('hex')}`);
  writePrivate(pwfile, `${password}\n`, runAs);
  try {
    const args = ['-D', layout.pgDir, '-U', 'postgres', '-A', 'scram-sha-256', '-E', 'UTF8', '--no-locale', `--pwfile=${pwfile}`];
    const { code, output } = await run(initdb, args, runAs, layout.dataDir);
    if (code !== 0) {
      throw new EmbeddedDatabaseError(`initdb failed (exit ${code}) creating ${layout.pgDir}:\n${output.trim().split('\n').slice(-15).join('\n')}`, layout.pgDir);
    }
  } finally {
    unlinkSync(pwfile);
  }
  return password;
}

function writePrivate(path: string, content: string, owner: RunAs | undefined): void {
  const fd = openSync(path, 'w', 0o600);
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  chmodSync(path, 0o600); // `w` keeps the mode of a file that already existed
  if (owner) chownSync(path, owner.uid, owner.gid);
}

function run(file: string, args: string[], runAs: RunAs | undefined, cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}), env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
