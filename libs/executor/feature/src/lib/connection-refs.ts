import { Inject, Injectable } from '@nestjs/common';
import { LookupConnectionConnectors } from '@junction/auth/contracts';
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
 * Refuses (422, naming the path) a recipe that names a connection of another connector: it
 * would only fail later, at every delivery or step, with a message the sender cannot act on. A
 * connection that does not exist (yet) is left to run time.
 */
@Injectable()
export class ConnectionRefsCheck {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  async assertMatching(workspaceId: string, recipe: Recipe): Promise<void> {
    const refs = connectionRefs(recipe);
    if (refs.length === 0) return;
    let found: Map<string, string>;
    try {
      const reply = await this.bus.request(LookupConnectionConnectors, { workspaceId, connectionIds: [...new Set(refs.map((r) => r.connection))].slice(0, 100) }, { workspaceId });
      found = new Map(reply.connections.map((c) => [c.id, c.connector]));
    } catch (error) {
      if (error instanceof DeadlineExceededError) throw new RemoteError('unavailable', 'the connection catalog did not answer; try again');
      throw error;
    }
    const errors = refs
      .filter((r) => found.has(r.connection) && found.get(r.connection) !== r.connector)
      .map((r) => ({ path: r.path, message: `names a connection of connector ${found.get(r.connection)}, not ${r.connector}` }));
    if (errors.length > 0) throw new RemoteError('unprocessable', `the recipe is invalid (${errors.length} error${errors.length === 1 ? '' : 's'})`, errors);
  }
}
