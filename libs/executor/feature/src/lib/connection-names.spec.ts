import { LookupConnectionConnectors } from '@junction/auth/contracts';
import type { Recipe } from '@junction/executor/contracts';
import type { Closable, MessageBus, RpcContract } from '@junction/platform/ports';
import { ConnectionRefsResolver, connectionRefs, isConnectionId, replaceConnections } from './connection-refs';

describe('connection names in recipes', () => {
  it('tells an id (conn_ and a ULID) from a name', () => {
    expect(isConnectionId('conn_01J9Z5Q3X8M4ZK1T7N2B6C0D9E')).toBe(true);
    for (const name of ['crm', 'conn_1', 'conn_01J9Z5Q3X8M4ZK1T7N2B6C0D9', 'CRM conn_01J9Z5Q3X8M4ZK1T7N2B6C0D9E']) expect(isConnectionId(name)).toBe(false);
  });

  it('replaces the connection fields at their paths in a copy, nested steps and escaped keys included, and leaves the rest alone', () => {
    const definition = {
      name: 'r',
      trigger: { type: 'webhook', signature: { header: 'x-sig', algorithm: 'hmac-sha256', connection: 'signing' } },
      steps: [
        { id: 'a', action: 'http.request', connection: 'crm', input: { connection: 'crm' } },
        { id: 'guard', try: [{ id: 'b', action: 'http.request', connection: 'conn_01J9Z5Q3X8M4ZK1T7N2B6C0D9E', input: {} }], catch: [] },
      ],
    };
    const refs = connectionRefs(definition as unknown as Recipe);
    const ids: Record<string, string> = { signing: 'conn_SIG', crm: 'conn_CRM' };
    const resolved = replaceConnections(definition, refs, (ref) => ids[ref.connection]);
    expect(resolved).toEqual({
      ...definition,
      trigger: { ...definition.trigger, signature: { ...definition.trigger.signature, connection: 'conn_SIG' } },
      steps: [{ ...definition.steps[0], connection: 'conn_CRM' }, definition.steps[1]],
    });
    // the input is data, never a reference; the original is untouched
    expect((resolved.steps as { input: { connection: string } }[])[0].input.connection).toBe('crm');
    expect(definition.steps[0].connection).toBe('crm');
  });
});

/** The auth service's connection catalog, as a fake with state: answers lookups by id and name, counts them. */
class ConnectionCatalog implements MessageBus {
  lookups: { workspaceId: string; connectionIds: string[]; names?: string[] }[] = [];
  constructor(private readonly rows: { id: string; name: string; connector: string }[]) {}

  async request<Req extends object, Res extends object>(contract: RpcContract<Req, Res>, payload: Req): Promise<Res> {
    if (contract.subject !== LookupConnectionConnectors.subject) throw new Error(`unplanned request ${contract.subject}`);
    const ask = payload as unknown as { workspaceId: string; connectionIds: string[]; names?: string[] };
    this.lookups.push(ask);
    const found = this.rows.filter((r) => ask.connectionIds.includes(r.id) || (ask.names ?? []).includes(r.name));
    return { connections: found } as unknown as Res;
  }

  serve(): Promise<Closable> {
    throw new Error('unplanned serve');
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }
}

describe('ConnectionRefsResolver', () => {
  const CRM = 'conn_01J9Z5Q3X8M4ZK1T7N2B6C0D9E';
  const SLACK = 'conn_01J9Z5Q3X8M4ZK1T7N2B6C0D9F';
  const recipe = (connection: string, action = 'http.request') => ({ name: 'r', trigger: { type: 'manual' }, steps: [{ id: 'a', action, connection, input: {} }] });
  let catalog: ConnectionCatalog;
  let resolver: ConnectionRefsResolver;

  beforeEach(() => {
    catalog = new ConnectionCatalog([
      { id: CRM, name: 'crm', connector: 'http' },
      { id: SLACK, name: 'team chat', connector: 'slack' },
    ]);
    resolver = new ConnectionRefsResolver(catalog);
  });

  it('stores the id of a connection given by name, and keeps a definition that gives ids as it is', async () => {
    expect(await resolver.resolve('ws_1', recipe('crm'))).toEqual(recipe(CRM));
    const byId = recipe(CRM);
    expect(await resolver.resolve('ws_1', byId)).toBe(byId);
    expect(catalog.lookups).toEqual([
      { workspaceId: 'ws_1', connectionIds: [], names: ['crm'] },
      { workspaceId: 'ws_1', connectionIds: [CRM] },
    ]);
  });

  it.each([
    ['an unknown name', recipe('nope'), 'no connection named "nope" in this workspace'],
    ['a name of another connector', recipe('team chat'), 'names a connection of connector slack, not http'],
    ['an id of another connector', recipe(SLACK), 'names a connection of connector slack, not http'],
  ])('refuses %s with a 422 at the path', async (_label, definition, message) => {
    await expect(resolver.resolve('ws_1', definition)).rejects.toMatchObject({ code: 'unprocessable', errors: [{ path: '/steps/0/connection', message }] });
  });

  it('leaves an unknown id to run time', async () => {
    const unknown = recipe('conn_01J9Z5Q3X8M4ZK1T7N2B6C0DAA');
    expect(await resolver.resolve('ws_1', unknown)).toBe(unknown);
  });

  it('names the connections of a whole page with one lookup, keeping ids it cannot name', async () => {
    const gone = 'conn_01J9Z5Q3X8M4ZK1T7N2B6C0DAA';
    const page = [recipe(CRM), recipe(SLACK, 'slack.post_message'), recipe(gone), { name: 'none', trigger: { type: 'manual' }, steps: [] }];
    expect(await resolver.named('ws_1', page)).toEqual([recipe('crm'), recipe('team chat', 'slack.post_message'), recipe(gone), page[3]]);
    expect(catalog.lookups).toEqual([{ workspaceId: 'ws_1', connectionIds: [CRM, SLACK, gone] }]);
    expect(await resolver.named('ws_1', [page[3]])).toEqual([page[3]]);
    expect(catalog.lookups).toHaveLength(1);
  });
});
