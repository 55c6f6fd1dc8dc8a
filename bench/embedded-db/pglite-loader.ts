import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The slice of PGlite's API the bench uses (PGlite is not a dependency, so its types are not here). */
export interface PgliteModules {
  PGlite: { create(dataDir: string): Promise<{ close(): Promise<void> }> };
  PGLiteSocketServer: new (options: { db: unknown; port: number; host: string; maxConnections: number }) => {
    start(): Promise<void>;
    stop(): Promise<void>;
  };
  version: string;
}

/**
 * PGlite and its socket server, from the repository's node_modules (`npm i --no-save`) or from the
 * directory in PGLITE_MODULES; undefined when neither has them.
 */
export function loadPglite(): PgliteModules | undefined {
  const origins = [process.env['PGLITE_MODULES'], process.cwd()].filter((dir): dir is string => !!dir);
  for (const origin of origins) {
    const load = createRequire(join(origin, 'package.json'));
    try {
      const { PGlite } = load('@electric-sql/pglite') as Pick<PgliteModules, 'PGlite'>;
      const { PGLiteSocketServer } = load('@electric-sql/pglite-socket') as Pick<PgliteModules, 'PGLiteSocketServer'>;
      // package.json is not in its exports map: read it beside the entry point (dist/..)
      const manifest = join(dirname(load.resolve('@electric-sql/pglite')), '..', 'package.json');
      const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
      return { PGlite, PGLiteSocketServer, version };
    } catch {
      // not installed there
    }
  }
  return undefined;
}
