/**
 * Generates every secret the laptop cluster (docker/compose.yaml) needs, once:
 *
 *   npm run compose:init [-- --out .junction/compose] [--force]
 *
 * Writes into --out (a 0700 directory, gitignored under /.junction):
 *   <service>.env      mode 0600: NATS and Redis credentials (service-auth.ts); DATABASE_URL with the
 *                      service's own Postgres role; JUNCTION_ROOT_TOKEN (gateway); JUNCTION_MASTER_KEYS
 *                      (auth and audit, the same key)
 *   postgres.env       mode 0600: the superuser's password and each service role's password, read
 *                      by docker/postgres/init-junction-roles.sh when the data volume is created
 *   nats-server.conf, nats-auth.conf, redis-users.acl
 *                      the servers' side (NKEY public keys, password hashes), mode 0644 so the
 *                      containers' own users can read them; the directory keeps others out
 * An existing directory is kept: the Postgres volume holds the old passwords and the vault data is
 * encrypted under the old master key. --force replaces it (then also `docker compose down -v`).
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeServiceAuth } from './service-auth';

const NAMESPACE = 'junction';
/** Services with a database of their own (the gateway has none). */
const DATABASE_SERVICES = ['auth', 'connectors', 'scheduler', 'executor', 'audit'] as const;

/** URL-safe, so it goes into DATABASE_URL as is. */
const password = (): string => randomBytes(32).toString('hex');

const envLines = (vars: Record<string, string>): string =>
  Object.entries(vars)
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');

export function writeComposeSecrets(dir: string): void {
  writeServiceAuth(dir, NAMESPACE);
  for (const serverFile of ['nats-server.conf', 'nats-auth.conf', 'redis-users.acl']) chmodSync(join(dir, serverFile), 0o644);

  const dbPasswords = Object.fromEntries(DATABASE_SERVICES.map((s) => [s, password()]));
  const postgres: Record<string, string> = { POSTGRES_PASSWORD: password() };
  for (const s of DATABASE_SERVICES) postgres[`JUNCTION_DB_PASSWORD_${s.toUpperCase()}`] = dbPasswords[s];
  writeFileSync(join(dir, 'postgres.env'), envLines(postgres), { mode: 0o600 });

  const masterKeys = `k1:${randomBytes(32).toString('base64')}`;
  const extra: Record<string, Record<string, string>> = {
    gateway: { JUNCTION_ROOT_TOKEN: randomBytes(32).toString('base64url') },
    auth: { JUNCTION_MASTER_KEYS: masterKeys },
    audit: { JUNCTION_MASTER_KEYS: masterKeys },
  };
  for (const s of DATABASE_SERVICES) {
    const role = `${NAMESPACE}_${s}`;
    extra[s] = { ...extra[s], DATABASE_URL: `postgres://${role}:${dbPasswords[s]}@postgres:5432/${role}` };
  }
  for (const [service, vars] of Object.entries(extra)) appendFileSync(join(dir, `${service}.env`), envLines(vars));
  // k8s-secrets.yaml and credentials.json are service-auth's Kubernetes and test outputs: not used here.
}

function main(argv: string[]): void {
  const i = argv.indexOf('--out');
  const dir = resolve(i >= 0 ? argv[i + 1] : '.junction/compose');
  if (existsSync(join(dir, 'postgres.env')) && !argv.includes('--force')) {
    process.stderr.write(
      `${dir} already holds the laptop cluster's secrets: kept (the Postgres volume and the vault depend on them).\n` +
        'To start over: docker compose -f docker/compose.yaml down -v, then npm run compose:init -- --force\n',
    );
    process.exit(1);
  }
  writeComposeSecrets(dir);
  process.stdout.write(`wrote the laptop cluster's secrets to ${dir}\n`);
}

if (require.main === module) main(process.argv.slice(2));
