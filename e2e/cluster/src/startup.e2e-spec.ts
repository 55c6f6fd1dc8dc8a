import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '../../..');

describe('start-up configuration', () => {
  it.each([
    ['NATS_URL', 'http://127.0.0.1:4222'],
    ['PORT', 'eighty'],
    ['DATABASE_URL', 'mysql://x'],
  ])('refuses to start with a malformed %s and names it', (name, value) => {
    const run = spawnSync(process.execPath, [join(root, 'dist/apps/auth/main.js')], {
      env: { PATH: process.env.PATH ?? '', [name]: value },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('auth: invalid configuration');
    expect(run.stderr).toContain(`${name}:`);
  });
});
