import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every entry under `dir` with its type, mode and a hash of its content: equal snapshots mean
 * nothing was created, removed, rewritten or re-permissioned (times are left out: reading is allowed).
 */
export function snapshotDir(dir: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (path: string, rel: string) => {
    const stat = lstatSync(path);
    const mode = (stat.mode & 0o7777).toString(8);
    if (stat.isDirectory()) {
      entries[rel || '.'] = `dir ${mode} ${stat.uid}`;
      for (const name of readdirSync(path).sort()) walk(join(path, name), rel ? `${rel}/${name}` : name);
    } else if (stat.isFile()) {
      entries[rel] = `file ${mode} ${stat.uid} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
    } else {
      entries[rel] = `other ${mode}`;
    }
  };
  walk(dir, '');
  return entries;
}

/** Processes whose command line names `path` (a postmaster started with `-D <dataDir>/pg` does). */
export function processesNaming(path: string): string[] {
  const lines = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n');
  return lines.map((l) => l.trim()).filter((l) => l.includes(path) && !l.includes('ps -eo'));
}
