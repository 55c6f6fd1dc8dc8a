import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configPath, readConfig, resolveTarget, saveProfile } from './profiles';

describe('profiles', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'junction-cli-'));
    path = join(dir, 'junction', 'config.yaml');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lives in XDG_CONFIG_HOME, else ~/.config', () => {
    expect(configPath({ XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/x/junction/config.yaml');
    expect(configPath({ HOME: '/h' })).toBe('/h/.config/junction/config.yaml');
  });

  it('saves profiles readable by the user only, the first one current', () => {
    saveProfile('staging', { url: 'http://staging.example/', apiKey: 'k1' }, path);
    saveProfile('production', { url: 'https://prod.example', apiKey: 'k2' }, path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readConfig(path)).toEqual({
      current: 'staging',
      profiles: { staging: { url: 'http://staging.example', apiKey: 'k1' }, production: { url: 'https://prod.example', apiKey: 'k2' } },
    });
  });

  it('picks --profile, then JUNCTION_URL + JUNCTION_API_KEY, then JUNCTION_PROFILE, then the current one', () => {
    saveProfile('staging', { url: 'http://staging.example', apiKey: 'k1' }, path);
    saveProfile('production', { url: 'https://prod.example', apiKey: 'k2' }, path);
    const ci = { JUNCTION_URL: 'http://ci.example', JUNCTION_API_KEY: 'kci' };
    expect(resolveTarget('production', ci, path)).toEqual({ profile: 'production', url: 'https://prod.example', apiKey: 'k2' });
    expect(resolveTarget(undefined, ci, path)).toEqual({ profile: 'env', url: 'http://ci.example', apiKey: 'kci' });
    expect(resolveTarget(undefined, { JUNCTION_PROFILE: 'production' }, path).url).toBe('https://prod.example');
    expect(resolveTarget(undefined, {}, path).profile).toBe('staging');
    expect(resolveTarget(undefined, { JUNCTION_API_KEY: 'rotated' }, path)).toEqual({ profile: 'staging', url: 'http://staging.example', apiKey: 'rotated' });
  });

  it('says how to log in when nothing is configured, or the profile is unknown', () => {
    expect(() => resolveTarget(undefined, {}, path)).toThrow('not logged in');
    expect(() => resolveTarget('nope', {}, path)).toThrow('no profile "nope"');
  });
});
