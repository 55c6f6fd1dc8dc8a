import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleDirCandidates, ConsoleFiles, firstExisting } from './console-files';

describe('ConsoleFiles: the console build served from memory', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'console-files-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="/console/assets/index-3KJKXmIX.js"></script>');
    writeFileSync(join(dir, 'assets', 'index-3KJKXmIX.js'), 'console.log(1)');
    writeFileSync(join(dir, 'assets', 'index-BAEZGtc9.css'), 'body{}');
    writeFileSync(join(dir, 'robots.txt'), 'User-agent: *');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds every file under its path relative to /console/, typed by extension', () => {
    const files = new ConsoleFiles(dir);
    expect(files.available).toBe(true);
    expect(files.index?.contentType).toBe('text/html; charset=utf-8');
    expect(files.file('assets/index-3KJKXmIX.js')?.contentType).toBe('text/javascript; charset=utf-8');
    expect(files.file('assets/index-BAEZGtc9.css')?.body.toString()).toBe('body{}');
  });

  it('marks only hashed assets immutable: index.html and unhashed files are revalidated', () => {
    const files = new ConsoleFiles(dir);
    expect(files.file('assets/index-3KJKXmIX.js')?.immutable).toBe(true);
    expect(files.index?.immutable).toBe(false);
    expect(files.file('robots.txt')?.immutable).toBe(false);
  });

  it('answers only exact paths of the build: traversal and other spellings find nothing', () => {
    const files = new ConsoleFiles(dir);
    for (const path of ['../index.html', 'assets/../index.html', '/index.html', 'assets', 'ASSETS/index-3KJKXmIX.js', '%2e%2e/etc/passwd', '__proto__', 'constructor']) {
      expect(files.file(path)).toBeUndefined();
    }
  });

  it('is empty (every request a 404) when the console is not built', () => {
    const files = new ConsoleFiles(undefined);
    expect(files.available).toBe(false);
    expect(files.index).toBeUndefined();
  });

  it('looks in CONSOLE_DIR when set, else beside the running bundle, and keeps only a directory with index.html', () => {
    expect(consoleDirCandidates('/srv/console', '/app/dist/apps/gateway')).toEqual(['/srv/console']);
    expect(consoleDirCandidates(undefined, '/app/dist/apps/gateway')).toEqual(['/app/dist/apps/console']);
    expect(firstExisting([join(dir, 'nope'), join(dir, 'assets'), dir])).toBe(dir);
    expect(firstExisting([join(dir, 'nope')])).toBeUndefined();
  });
});
