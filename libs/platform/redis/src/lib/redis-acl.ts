import { Namespace } from '@junction/platform/ports';

/**
 * Command categories a service needs: strings with TTLs, counters, hashes and sorted sets (the
 * rate limiters), transactions and Lua scripts (the lock release, the limiters), and the
 * connection's own commands. `@dangerous` (FLUSHALL, KEYS, CONFIG, DEBUG, MONITOR, ACL, …),
 * `@admin` and pub/sub stay closed. Scripts run with the caller's ACL in Redis 7, so a script
 * cannot reach a key outside the pattern either.
 */
export const SERVICE_REDIS_COMMANDS = [
  '+@connection',
  '+@read',
  '+@write',
  '+@transaction',
  '+@scripting',
  '-@dangerous',
  '-@admin',
  '-@pubsub',
  '-@blocking',
  // key names are not arguments of these, so the key pattern would not hide other namespaces' keys
  '-scan',
  '-randomkey',
  // the client's ready check and a database chosen in the URL
  '+info',
  '+select',
] as const;

/** The ACL user name of one service in one namespace. */
export function redisUserName(namespace: string, service: string): string {
  return `${namespace}-${service}`;
}

/**
 * One `user …` line of a Redis ACL file: the service may only touch keys under its namespace
 * (`<ns>:*`) with the commands above. The password is stored as its SHA-256 (`#<hex>`), so the
 * ACL file gives away nothing a client could log in with.
 */
export function redisAclLine(namespace: string, user: string, passwordSha256Hex: string): string {
  const ns = new Namespace(namespace);
  if (!/^[0-9a-f]{64}$/.test(passwordSha256Hex)) throw new Error('password hash must be 64 lower-case hex digits');
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(user)) throw new Error(`Redis user "${user}" must be 1-64 letters, digits, _ . -`);
  return ['user', user, 'reset', 'on', `#${passwordSha256Hex}`, `~${ns.key('*')}`, 'resetchannels', '-@all', ...SERVICE_REDIS_COMMANDS].join(' ');
}

/** The ACL file for a deployment: the `default` user switched off, then one user per service. */
export function redisAclFile(lines: readonly string[]): string {
  // without credentials nothing works: no anonymous access, not even PING
  return ['user default off resetkeys resetchannels -@all', ...lines, ''].join('\n');
}
