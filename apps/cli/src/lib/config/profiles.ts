import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { CliError, EXIT } from '../exit-codes';

/** One environment the CLI talks to (dev, staging, production): a gateway URL and an API key. */
export interface Profile {
  url: string;
  apiKey: string;
}

export interface ConfigFile {
  current?: string;
  profiles: Record<string, Profile>;
}

/** Where the API is and who we are, after flags, environment and the config file had their say. */
export interface Target extends Profile {
  /** The profile used, or `env` when JUNCTION_URL + JUNCTION_API_KEY decided. */
  profile: string;
}

const PROFILE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** `$XDG_CONFIG_HOME/junction/config.yaml`, else `~/.config/junction/config.yaml`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config');
  return join(base, 'junction', 'config.yaml');
}

export function readConfig(path = configPath()): ConfigFile {
  if (!existsSync(path)) return { profiles: {} };
  const parsed = parse(readFileSync(path, 'utf8')) as Partial<ConfigFile> | null;
  return { current: parsed?.current, profiles: parsed?.profiles ?? {} };
}

/** Written whole to a temporary file then renamed, mode 0600 from the first byte: it holds API keys. */
export function writeConfig(config: ConfigFile, path = configPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, stringify(config), { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

export function saveProfile(name: string, profile: Profile, path = configPath()): void {
  if (!PROFILE_NAME_RE.test(name)) throw new CliError(`profile name "${name}" must be letters, digits, ".", "_" or "-"`, EXIT.usage);
  const config = readConfig(path);
  config.profiles[name] = { url: profile.url.replace(/\/+$/, ''), apiKey: profile.apiKey };
  config.current ??= name;
  writeConfig(config, path);
}

/**
 * The API to call. An explicit `--profile` is used as stored. Otherwise `JUNCTION_URL` and
 * `JUNCTION_API_KEY` (CI) override the profile named by `JUNCTION_PROFILE` or the config's
 * `current`; both together need no profile at all.
 */
export function resolveTarget(flagProfile: string | undefined, env: NodeJS.ProcessEnv = process.env, path = configPath(env)): Target {
  const config = readConfig(path);
  const stored = (name: string): Profile => {
    const profile = config.profiles[name];
    if (!profile) throw new CliError(`no profile "${name}" in ${path}: run \`junction login --profile ${name} --url URL --key KEY\``, EXIT.auth);
    return profile;
  };
  if (flagProfile) return { profile: flagProfile, ...stored(flagProfile) };
  const envUrl = env['JUNCTION_URL'];
  const envKey = env['JUNCTION_API_KEY'];
  if (envUrl && envKey) return { profile: 'env', url: envUrl.replace(/\/+$/, ''), apiKey: envKey };
  const name = env['JUNCTION_PROFILE'] || config.current;
  if (!name) throw new CliError('not logged in: run `junction login --url URL --key KEY`, or set JUNCTION_URL and JUNCTION_API_KEY', EXIT.auth);
  const profile = stored(name);
  return { profile: name, url: (envUrl ?? profile.url).replace(/\/+$/, ''), apiKey: envKey ?? profile.apiKey };
}
