import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

/** One file of the console's build, held in memory (the whole build is a few hundred KB). */
export interface ConsoleFile {
  body: Buffer;
  contentType: string;
  /** Vite names assets by their content hash: such a file never changes under its name. */
  immutable: boolean;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const HASHED = /^assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

/**
 * The console's static build (`dist/apps/console`), read once at start. Requests are answered by
 * exact lookup in this table, so no request path ever reaches the file system (no traversal).
 */
export class ConsoleFiles {
  private readonly files = new Map<string, ConsoleFile>();

  constructor(readonly dir: string | undefined) {
    if (dir) this.load(dir, dir);
  }

  get available(): boolean {
    return this.files.has('index.html');
  }

  /** `path` relative to `/console/`, e.g. `assets/index-3KJKXmIX.js`. */
  file(path: string): ConsoleFile | undefined {
    return this.files.get(path);
  }

  get index(): ConsoleFile | undefined {
    return this.files.get('index.html');
  }

  private load(root: string, dir: string): void {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        this.load(root, path);
        continue;
      }
      const key = relative(root, path).split(sep).join('/');
      this.files.set(key, { body: readFileSync(path), contentType: TYPES[extname(name)] ?? 'application/octet-stream', immutable: HASHED.test(key) });
    }
  }
}

/** The console's directory: CONSOLE_DIR, else `dist/apps/console` beside the running bundle (`dist/apps/<app>/main.js`). */
export function consoleDirCandidates(configured: string | undefined, bundleDir: string): string[] {
  return configured ? [configured] : [join(bundleDir, '..', 'console')];
}

export function firstExisting(dirs: string[]): string | undefined {
  return dirs.find((dir) => {
    try {
      return statSync(join(dir, 'index.html')).isFile();
    } catch {
      return false;
    }
  });
}
