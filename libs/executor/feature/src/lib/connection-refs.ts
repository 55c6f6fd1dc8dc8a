import { Inject, Injectable } from '@nestjs/common';
import { CONNECTION_ID_RE, LookupConnectionConnectors } from '@junction/auth/contracts';
import type { Recipe } from '@junction/executor/contracts';
import { DeadlineExceededError, MESSAGE_BUS, RemoteError, type MessageBus } from '@junction/platform/ports';

/** A place in a recipe that names a connection, and the connector that connection must belong to. */
export interface ConnectionRef {
  /** JSON pointer of the `connection` field. */
  path: string;
  connection: string;
  connector: string;
}

/**
 * Every connection a recipe names, with the connector it is used for: the webhook signature
 * shorthand (the generic `webhook` connector holds the signing secret), a connector trigger, and
 * each action step, nested ones included.
 */
export function connectionRefs(recipe: Recipe): ConnectionRef[] {
  const refs: ConnectionRef[] = [];
  const trigger = recipe.trigger as unknown as Record<string, unknown>;
  const signature = trigger.signature as Record<string, unknown> | undefined;
  if (signature && typeof signature.connection === 'string') refs.push({ path: '/trigger/signature/connection', connection: signature.connection, connector: 'webhook' });
  if (typeof trigger.connector === 'string' && typeof trigger.connection === 'string') {
    refs.push({ path: '/trigger/connection', connection: trigger.connection, connector: trigger.connector });
  }
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) return node.forEach((child, i) => walk(child, `${path}/${i}`));
    if (!node || typeof node !== 'object') return;
    const step = node as Record<string, unknown>;
    if (typeof step.action === 'string' && typeof step.connection === 'string' && step.action.includes('.')) {
      refs.push({ path: `${path}/connection`, connection: step.connection, connector: step.action.slice(0, step.action.lastIndexOf('.')) });
    }
    for (const [key, child] of Object.entries(step)) if (key !== 'input' && child && typeof child === 'object') walk(child, `${path}/${escapePointer(key)}`);
  };
  walk(recipe.steps, '/steps');
  return refs;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * A copy of the definition whose `connection` fields at `refs` are replaced where `replace`
 * answers a value (the others are kept).
 */
export function replaceConnections(definition: Record<string, unknown>, refs: ConnectionRef[], replace: (ref: ConnectionRef) => string | undefined): Record<string, unknown> {
  const copy = structuredClone(definition);
  for (const ref of refs) {
    const value = replace(ref);
    if (value === undefined) continue;
    const segments = ref.path.split('/').slice(1).map(unescapePointer);
    const field = segments.pop() as string;
    const parent = segments.reduce<Record<string, unknown>>((node, segment) => node[segment] as Record<string, unknown>, copy);
    parent[field] = value;
  }
  return copy;
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** A `connection` field gives an id when it looks like one (`conn_<ULID>`); anything else is a connection's name. */
export const isConnectionId = (value: string): boolean => CONNECTION_ID_RE.test(value);

/** Ids, and names, one lookup may ask for (the auth contract's cap). */
const LOOKUP_MAX = 100;

interface KnownConnection {
  id: string;
  connector: string;
  name?: string;
}

/**
 * The connections a recipe names, looked up in its workspace: a name becomes the id (the stored
 * version keeps ids, so renaming a connection never changes what a version runs), and an export
 * shows names again.
 */
@Injectable()
export class ConnectionRefsResolver {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  /**
   * The definition to store: every connection name replaced by its connection's id. Refuses (422,
   * naming the path) an unknown name and a connection of another connector than the field is used
   * for: it would only fail later, at every delivery or step, with a message the sender cannot act
   * on. An id whose connection does not exist (yet) is left to run time.
   */
  async resolve(workspaceId: string, definition: Record<string, unknown>): Promise<Record<string, unknown>> {
    const refs = connectionRefs(definition as unknown as Recipe);
    if (refs.length === 0) return definition;
    const ids = [...new Set(refs.filter((r) => isConnectionId(r.connection)).map((r) => r.connection))];
    const names = [...new Set(refs.filter((r) => !isConnectionId(r.connection)).map((r) => r.connection))];
    const known = await this.lookup(workspaceId, ids, names);
    const byId = new Map(known.map((c) => [c.id, c]));
    const byName = new Map(known.filter((c) => c.name !== undefined).map((c) => [c.name as string, c]));
    const target = (ref: ConnectionRef): KnownConnection | undefined => (isConnectionId(ref.connection) ? byId.get(ref.connection) : byName.get(ref.connection));
    const errors = refs.flatMap((ref) => {
      const found = target(ref);
      if (!found) return isConnectionId(ref.connection) ? [] : [{ path: ref.path, message: `no connection named ${JSON.stringify(ref.connection)} in this workspace` }];
      return found.connector === ref.connector ? [] : [{ path: ref.path, message: `names a connection of connector ${found.connector}, not ${ref.connector}` }];
    });
    if (errors.length > 0) throw new RemoteError('unprocessable', `the recipe is invalid (${errors.length} error${errors.length === 1 ? '' : 's'})`, errors);
    return refs.some((ref) => !isConnectionId(ref.connection))
      ? replaceConnections(definition, refs, (ref) => (isConnectionId(ref.connection) ? undefined : target(ref)?.id))
      : definition;
  }

  /**
   * The definitions with each connection id replaced by its connection's current name (a deleted
   * connection's id stays); one lookup per 100 distinct ids, for a whole page of recipes.
   */
  async named(workspaceId: string, definitions: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
    const refs = definitions.map((d) => connectionRefs(d as unknown as Recipe).filter((ref) => isConnectionId(ref.connection)));
    const ids = [...new Set(refs.flat().map((ref) => ref.connection))];
    const names = new Map<string, string | undefined>();
    for (let i = 0; i < ids.length; i += LOOKUP_MAX) {
      for (const c of await this.lookup(workspaceId, ids.slice(i, i + LOOKUP_MAX), [])) names.set(c.id, c.name);
    }
    return definitions.map((d, i) => (refs[i].length ? replaceConnections(d, refs[i], (ref) => names.get(ref.connection)) : d));
  }

  private async lookup(workspaceId: string, ids: string[], names: string[]): Promise<KnownConnection[]> {
    if (ids.length > LOOKUP_MAX || names.length > LOOKUP_MAX) throw new RemoteError('unprocessable', `a recipe may name at most ${LOOKUP_MAX} different connections`);
    try {
      const reply = await this.bus.request(LookupConnectionConnectors, { workspaceId, connectionIds: ids, ...(names.length ? { names } : {}) }, { workspaceId });
      return reply.connections;
    } catch (error) {
      if (error instanceof DeadlineExceededError) throw new RemoteError('unavailable', 'the connection catalog did not answer; try again');
      throw error;
    }
  }
}
