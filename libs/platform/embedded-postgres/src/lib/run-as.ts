import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { EmbeddedDatabaseError } from './embedded-database.error';

/** An unprivileged account the server runs as when we are root (initdb and postgres refuse root). */
export interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

export const RUN_AS_VARIABLE = 'JUNCTION_PG_RUN_AS';

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Who runs initdb/postgres: ourselves unless root. As root: `JUNCTION_PG_RUN_AS`, else the owner of
 * an existing cluster, else `nobody`. Only existing accounts: we never create users.
 */
export function resolveRunAs(existingCluster: string | undefined): RunAs | undefined {
  if (!isRoot()) return undefined;
  const override = process.env[RUN_AS_VARIABLE];
  const owner = existingCluster ? statSync(existingCluster) : undefined;
  if (owner && owner.uid === 0) {
    throw new EmbeddedDatabaseError(
      `${existingCluster} is owned by root and Postgres refuses to run as root; give it to an unprivileged user ` +
        `(chown -R nobody ${existingCluster}) or move it away to start a new database`,
      existingCluster as string,
    );
  }
  if (override) {
    const account = lookUpAccount(override);
    if (owner && owner.uid !== account.uid) {
      throw new EmbeddedDatabaseError(
        `${existingCluster} belongs to uid ${owner.uid} but ${RUN_AS_VARIABLE}=${override} is uid ${account.uid}; ` +
          `unset ${RUN_AS_VARIABLE} or chown -R ${override} ${existingCluster}`,
        existingCluster as string,
      );
    }
    return account;
  }
  if (owner) return { uid: owner.uid, gid: owner.gid, name: `uid ${owner.uid}` };
  return lookUpAccount('nobody');
}

function lookUpAccount(name: string): RunAs {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    // macOS gives nobody uid -2: not something spawn can switch to
    if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid <= 0 || gid < 0) throw new Error(`uid ${uid}, gid ${gid}`);
    return { uid, gid, name };
  } catch (error) {
    throw new EmbeddedDatabaseError(
      `Running as root, the embedded Postgres needs an unprivileged account to run as and "${name}" is unusable ` +
        `(${(error as Error).message}); set ${RUN_AS_VARIABLE} to an existing user, or start as a non-root user`,
      name,
    );
  }
}

/**
 * Every directory from `path` up to the root must be searchable by the account, or the server
 * cannot reach its data or binaries. Checked up front so the error names the directory.
 */
export function assertReachable(path: string, account: RunAs): void {
  for (let dir = path; ; dir = dirname(dir)) {
    const stat = statSync(dir);
    const searchable = stat.uid === account.uid ? stat.mode & 0o100 : stat.gid === account.gid ? stat.mode & 0o010 : stat.mode & 0o001;
    if (!searchable) {
      throw new EmbeddedDatabaseError(
        `The embedded Postgres runs as ${account.name} (we are root) and cannot enter ${dir}; ` +
          `set JUNCTION_DATA_DIR to a directory outside it, make it searchable (chmod o+x ${dir}), or start as a non-root user`,
        dir,
      );
    }
    if (dirname(dir) === dir) return;
  }
}
