import type { Recipe } from '@junction/executor/contracts';
import { connectionRefs, isConnectionId, replaceConnections } from './connection-refs';

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
