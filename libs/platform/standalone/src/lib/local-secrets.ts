import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The operator's root token and the vault's master key of one data directory, made on its first start. */
export interface LocalSecrets {
  JUNCTION_ROOT_TOKEN: string;
  JUNCTION_MASTER_KEYS: string;
}

const FILE = 'secrets.json';

/**
 * Reads the data directory's secrets, making them once (mode 0600). The vault's data is encrypted
 * under the master key, so it is generated once and kept with the data it protects.
 */
export function loadLocalSecrets(dataDir: string): LocalSecrets {
  const path = join(dataDir, FILE);
  if (existsSync(path)) {
    const parsed = readSecretsFile(path);
    if (typeof parsed.JUNCTION_ROOT_TOKEN !== 'string' || typeof parsed.JUNCTION_MASTER_KEYS !== 'string') {
      throw new LocalSecretsError(`${path} is not a Junction secrets file (JUNCTION_ROOT_TOKEN, JUNCTION_MASTER_KEYS): restore it from a backup or move the data directory away`);
    }
    return { JUNCTION_ROOT_TOKEN: parsed.JUNCTION_ROOT_TOKEN, JUNCTION_MASTER_KEYS: parsed.JUNCTION_MASTER_KEYS };
  }
  // new secrets beside an existing database would lock its vault away (a new master key) and change the directory
  if (holdsDatabase(dataDir)) {
    throw new LocalSecretsError(
      `${path} is missing but ${join(dataDir, 'pg')} is not empty: its vault is encrypted under the master key kept there; restore it from a backup, or move the data directory away (or set JUNCTION_DATA_DIR to another directory)`,
    );
  }
  const secrets: LocalSecrets = {
    JUNCTION_ROOT_TOKEN: randomBytes(32).toString('hex'),
    JUNCTION_MASTER_KEYS: `local1:${randomBytes(32).toString('base64')}`,
  };
  writeFileSync(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return secrets;
}

/** A secrets file that cannot be used: the message names the file and what to do (no stack trace for a person to read). */
export class LocalSecretsError extends Error {
  override readonly name = 'LocalSecretsError';
}

/** The embedded database's directory exists and is not empty (unreadable: left for the database's own checks). */
function holdsDatabase(dataDir: string): boolean {
  try {
    return readdirSync(join(dataDir, 'pg')).length > 0;
  } catch {
    return false;
  }
}

/** Unreadable or not JSON: the same refusal as a file of the wrong shape, naming the path. */
function readSecretsFile(path: string): Partial<LocalSecrets> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new LocalSecretsError(`${path} cannot be read (${(error as NodeJS.ErrnoException).code}): fix its permissions, or restore it from a backup`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Partial<LocalSecrets>) : {};
  } catch {
    return {};
  }
}

/** Generated values fill only what the user did not export: an exported variable always wins. */
export function withExportedFirst(exported: NodeJS.ProcessEnv, generated: Record<string, string>): Record<string, string> {
  const merged: Record<string, string> = { ...generated };
  for (const [key, value] of Object.entries(exported)) if (value !== undefined && value !== '') merged[key] = value;
  return merged;
}
