/**
 * Connections in a recipe are written by NAME in files (the same file applies to staging and
 * production, where the ids differ) and may be stored by id on the server. These helpers find
 * every connection reference in a recipe and swap names for ids or back.
 */

export interface ConnectionRef {
  id: string;
  name: string;
}

/** A reference that names no connection of the target workspace. */
export interface UnresolvedRef {
  /** JSON pointer of the field. */
  path: string;
  value: string;
}

const CONNECTION_ID_RE = /^conn_[0-9A-HJKMNP-TV-Z]{26}$/;

// Step kinds whose children are step lists, by the key holding the list.
const CHILD_STEP_LISTS = ['then', 'else', 'steps', 'try', 'catch'] as const;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** JSON pointers of every connection field of a recipe: the trigger's, its signature's, and each action step's (nested too). */
export function connectionPaths(recipe: Json): string[] {
  const paths: string[] = [];
  const trigger = recipe['trigger'];
  if (isObject(trigger)) {
    if (typeof trigger['connection'] === 'string') paths.push('/trigger/connection');
    if (isObject(trigger['signature']) && typeof trigger['signature']['connection'] === 'string') paths.push('/trigger/signature/connection');
  }
  const walk = (steps: unknown, base: string): void => {
    if (!Array.isArray(steps)) return;
    steps.forEach((step, i) => {
      if (!isObject(step)) return;
      const at = `${base}/${i}`;
      if (typeof step['action'] === 'string' && typeof step['connection'] === 'string') paths.push(`${at}/connection`);
      for (const key of CHILD_STEP_LISTS) walk(step[key], `${at}/${key}`);
    });
  };
  walk(recipe['steps'], '/steps');
  return paths;
}

/** A deep copy with the string at each path replaced by `swap(value)`. */
function rewrite(recipe: Json, paths: string[], swap: (value: string, path: string) => string): Json {
  const copy = structuredClone(recipe);
  for (const path of paths) {
    const keys = path.split('/').slice(1);
    const parent = keys.slice(0, -1).reduce<unknown>((node, key) => (node as Json)[key], copy) as Json;
    const last = keys[keys.length - 1];
    parent[last] = swap(parent[last] as string, path);
  }
  return copy;
}

/** Connection names → ids of the target workspace (ids pass through). Unknown names are listed, not guessed. */
export function resolveConnectionNames(recipe: Json, connections: ConnectionRef[]): { recipe: Json; unresolved: UnresolvedRef[] } {
  const byName = new Map(connections.map((c) => [c.name, c.id]));
  const ids = new Set(connections.map((c) => c.id));
  const unresolved: UnresolvedRef[] = [];
  const resolved = rewrite(recipe, connectionPaths(recipe), (value, path) => {
    if (ids.has(value)) return value;
    const id = byName.get(value);
    if (id) return id;
    unresolved.push({ path, value });
    return value;
  });
  return { recipe: resolved, unresolved };
}

/** Connection ids → names, for files and for comparing with files. An id of no known connection stays an id. */
export function nameConnections(recipe: Json, connections: ConnectionRef[]): Json {
  const byId = new Map(connections.map((c) => [c.id, c.name]));
  return rewrite(recipe, connectionPaths(recipe), (value) => (CONNECTION_ID_RE.test(value) ? (byId.get(value) ?? value) : value));
}
