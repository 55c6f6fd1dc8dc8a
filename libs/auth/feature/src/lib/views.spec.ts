import { RemoteError } from '@junction/platform/ports';
import type { ApiKeyEntity, ConnectionEntity } from '@junction/auth/data-access';
import { assertAllowed } from './authorize';
import { nextCursor, toApiKeyView, toConnectionView } from './views';

const at = new Date('2026-01-01T00:00:00Z');

describe('views', () => {
  it('maps a connection row without any sealed column', () => {
    const row: ConnectionEntity = {
      id: 'conn_01J9Z5Q3X8M4ZK1T7N2B6C0D9E',
      workspaceId: 'ws_01J9Z5Q3X8M4ZK1T7N2B6C0D9E',
      name: 'CRM',
      connector: 'http',
      status: 'active',
      secretFields: ['apiKey'],
      ciphertext: Buffer.from('sealed'),
      wrappedKey: Buffer.from('wrapped'),
      masterKeyId: 'k1',
      oauth: null,
      createdAt: at,
      updatedAt: at,
    };
    const view = toConnectionView(row);
    expect(Object.keys(view).sort()).toEqual(['connector', 'createdAt', 'id', 'name', 'secretFields', 'status', 'updatedAt']);
    expect(JSON.stringify(view)).not.toMatch(/sealed|wrapped|k1/);
  });

  it('maps an API key row without its hash or creator', () => {
    const row: ApiKeyEntity = {
      id: 'key_01J9Z5Q3X8M4ZK1T7N2B6C0D9E',
      workspaceId: 'ws_01J9Z5Q3X8M4ZK1T7N2B6C0D9E',
      name: 'ci',
      role: 'builder',
      keyHash: Buffer.alloc(32, 7),
      prefix: 'jn_live_AbC1',
      createdAt: at,
      createdBy: 'root',
      expiresAt: null,
      revokedAt: at,
      lastUsedAt: null,
    };
    expect(toApiKeyView(row)).toEqual({ id: row.id, name: 'ci', role: 'builder', prefix: 'jn_live_AbC1', createdAt: at.toISOString(), revokedAt: at.toISOString() });
  });

  it('offers a next cursor only for a full page', () => {
    expect(nextCursor([{ id: 'a' }, { id: 'b' }], 2)).toEqual({ nextCursor: 'b' });
    expect(nextCursor([{ id: 'a' }], 2)).toEqual({});
  });
});

describe('assertAllowed', () => {
  it.each([
    ['auditor', 'connections:write', false],
    ['builder', 'connections:write', true],
    ['operator', 'api_keys:manage', false],
    ['admin', 'users:manage', true],
  ] as const)('%s / %s → %s', (role, permission, allowed) => {
    const call = () => assertAllowed({ kind: 'api_key', id: 'key_x', role }, permission);
    if (allowed) expect(call).not.toThrow();
    else expect(call).toThrow(RemoteError);
  });
});
