import { createHash, randomBytes } from 'node:crypto';
import { waitFor } from '@junction/shared/testing';
import { AuthCluster } from './auth-harness';

/** Identity and the vault: workspaces, API keys, roles, connections, rotation, leaks. */
describe('auth: workspaces, API keys, roles and the credential vault', () => {
  const k1 = AuthCluster.masterKey('k1');
  const k2 = AuthCluster.masterKey('k2');
  const cluster = new AuthCluster();
  /** Every secret this suite sends; none may come back out anywhere. */
  const secrets: string[] = [];
  const keys: Record<'admin' | 'builder' | 'operator' | 'auditor' | 'otherAdmin', string> = { admin: '', builder: '', operator: '', auditor: '', otherAdmin: '' };
  let workspaceA = '';
  let workspaceB = '';
  let rootToken = '';
  const api = (method: string, path: string, key?: string, body?: unknown) => cluster.api(method, path, key, body);
  const nats = (subject: string, payload: unknown) => cluster.nats(subject, payload);
  const auditEvents = () => cluster.auditEvents();
  const count = (table: 'workspaces' | 'connections') => cluster.count(table);

  beforeAll(async () => {
    await cluster.start(k1);
    rootToken = cluster.rootToken;
  }, 60_000);

  afterAll(() => cluster.stop(), 60_000);

  describe('workspaces and the root token', () => {
    it.each([
      ['no token', undefined],
      ['a wrong token', 'x'.repeat(43)],
      ['an API key-shaped token', `jn_live_${'a'.repeat(43)}`],
    ])('refuses POST /v1/workspaces with %s (401) and creates nothing', async (_label, token) => {
      const res = await api('POST', '/v1/workspaces', token, { name: 'Acme' });
      expect(res.status).toBe(401);
      expect(res.type).toMatch(/^application\/problem\+json/);
      expect(await count('workspaces')).toBe(0);
    });

    it('creates a workspace with the root token and returns its first admin key once', async () => {
      const res = await api('POST', '/v1/workspaces', rootToken, { name: 'Acme' });
      expect(res.status).toBe(201);
      const { workspace, apiKey } = res.body as { workspace: { id: string; name: string }; apiKey: { key: string; role: string; id: string } };
      expect(workspace).toMatchObject({ id: expect.stringMatching(/^ws_/), name: 'Acme' });
      expect(apiKey).toMatchObject({ role: 'admin', key: expect.stringMatching(/^jn_live_[A-Za-z0-9_-]{43}$/) });
      workspaceA = workspace.id;
      keys.admin = apiKey.key;
      secrets.push(apiKey.key);
      // stored as its SHA-256 only
      const row = (await cluster.db.query('SELECT * FROM api_keys WHERE id = $1', [apiKey.id])).rows[0] as Record<string, unknown>;
      expect((row.key_hash as Buffer).equals(createHash('sha256').update(apiKey.key).digest())).toBe(true);
      expect(JSON.stringify(row)).not.toContain(apiKey.key.slice(12));

      const other = await api('POST', '/v1/workspaces', rootToken, { name: 'Other' });
      keys.otherAdmin = (other.body.apiKey as { key: string }).key;
      workspaceB = (other.body.workspace as { id: string }).id;
      secrets.push(keys.otherAdmin);
    });

    it('refuses a workspace body of the wrong type with 400 naming the field', async () => {
      const before = await count('workspaces');
      const res = await api('POST', '/v1/workspaces', rootToken, { name: 5 });
      expect(res.status).toBe(400);
      expect((res.body.errors as { path: string }[]).map((e) => e.path)).toContain('name');
      expect(await count('workspaces')).toBe(before);
    });
  });

  describe('API keys and authentication', () => {
    it('refuses /v1 routes without a key, with an unknown key, and with a malformed header (401)', async () => {
      for (const key of [undefined, `jn_live_${'b'.repeat(43)}`, 'not-a-key']) {
        const res = await api('GET', '/v1/connectors', key);
        expect(res.status).toBe(401);
        expect(res.type).toMatch(/^application\/problem\+json/);
      }
    });

    it('creates one key per role; the key appears only in the creation response', async () => {
      for (const role of ['builder', 'operator', 'auditor'] as const) {
        const res = await api('POST', '/v1/api-keys', keys.admin, { name: role, role });
        expect(res.status).toBe(201);
        expect(res.body).toMatchObject({ role, key: expect.stringMatching(/^jn_live_/) });
        keys[role] = res.body.key as string;
        secrets.push(keys[role]);
      }
      const list = await api('GET', '/v1/api-keys', keys.admin);
      expect(list.status).toBe(200);
      const items = list.body.items as Record<string, unknown>[];
      expect(items.map((k) => k.role).sort()).toEqual(['admin', 'auditor', 'builder', 'operator']);
      for (const item of items) expect(item).not.toHaveProperty('key');
    });

    it('records last use and audits key use once per key per minute', async () => {
      for (let i = 0; i < 3; i++) expect((await api('GET', '/v1/connections', keys.operator)).status).toBe(200);
      const keyId = ((await api('GET', '/v1/api-keys', keys.admin)).body.items as { id: string; role: string; lastUsedAt?: string }[]).find((k) => k.role === 'operator');
      expect(keyId?.lastUsedAt).toBeDefined();
      const used = (await auditEvents()).filter((e) => e.action === 'api_key.used' && (e.target as { id: string }).id === keyId?.id);
      expect(used).toHaveLength(1);
    });

    it('stops accepting a revoked key at once, although its verdict was cached', async () => {
      const created = await api('POST', '/v1/api-keys', keys.admin, { name: 'short-lived', role: 'builder' });
      const key = created.body.key as string;
      secrets.push(key);
      expect((await api('GET', '/v1/connections', key)).status).toBe(200); // verdict now cached for 30 s
      const revoked = await api('DELETE', `/v1/api-keys/${created.body.id as string}`, keys.admin);
      expect(revoked.status).toBe(200);
      expect(revoked.body.revokedAt).toBeDefined();
      expect((await api('GET', '/v1/connections', key)).status).toBe(401);
      const events = await auditEvents();
      expect(events.some((e) => e.action === 'api_key.revoked' && (e.target as { id: string }).id === created.body.id)).toBe(true);
    });

    it('stops accepting a key when it expires', async () => {
      const created = await api('POST', '/v1/api-keys', keys.admin, { name: 'expiring', role: 'auditor', expiresAt: new Date(Date.now() + 1500).toISOString() });
      expect(created.status).toBe(201);
      secrets.push(created.body.key as string);
      expect((await api('GET', '/v1/connections', created.body.key as string)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1700));
      expect((await api('GET', '/v1/connections', created.body.key as string)).status).toBe(401);
    });

    it('refuses an expiry in the past with 400', async () => {
      const res = await api('POST', '/v1/api-keys', keys.admin, { name: 'past', role: 'auditor', expiresAt: '2001-01-01T00:00:00Z' });
      expect(res.status).toBe(400);
    });
  });

  describe('roles, route by route', () => {
    const conn = { name: 'role test', connector: 'http', credentials: { apiKey: 'role-secret-1' } };
    let connectionId = '';

    beforeAll(async () => {
      secrets.push('role-secret-1');
      connectionId = (await api('POST', '/v1/connections', keys.admin, conn)).body.id as string;
    });

    it.each([
      ['auditor', 'POST', '/v1/connections', 403],
      ['operator', 'POST', '/v1/connections', 403],
      ['builder', 'POST', '/v1/connections', 201],
      ['auditor', 'GET', '/v1/connections', 200],
      ['auditor', 'GET', '/v1/connections/:id', 200],
      ['auditor', 'PATCH', '/v1/connections/:id', 403],
      ['operator', 'PATCH', '/v1/connections/:id', 403],
      ['builder', 'PATCH', '/v1/connections/:id', 200],
      ['auditor', 'DELETE', '/v1/connections/:id', 403],
      ['operator', 'DELETE', '/v1/connections/:id', 403],
      ['builder', 'GET', '/v1/api-keys', 403],
      ['builder', 'POST', '/v1/api-keys', 403],
      ['operator', 'DELETE', '/v1/api-keys/:keyId', 403],
      ['auditor', 'GET', '/v1/api-keys/:keyId', 403],
      ['admin', 'GET', '/v1/api-keys', 200],
      ['admin', 'POST', '/v1/api-keys', 201],
    ] as const)('%s: %s %s → %i', async (role, method, route, expected) => {
      const keyId = ((await api('GET', '/v1/api-keys', keys.admin)).body.items as { id: string }[])[0].id;
      const path = route.replace(':id', connectionId).replace(':keyId', keyId);
      const body =
        method === 'POST' && route === '/v1/connections'
          ? { ...conn, name: `${conn.name} by ${role}` }
          : method === 'POST'
            ? { name: 'x', role: 'auditor' }
            : method === 'PATCH'
              ? { name: 'renamed' }
              : undefined;
      const res = await api(method, path, keys[role], body);
      expect(res.status).toBe(expected);
      if (expected === 403) expect(res.body.type).toBe('https://junction.dev/problems/forbidden');
    });

    it('is checked again by the auth service for a request that skipped the gateway', async () => {
      const reply = await nats('auth.create-connection.v1', { workspaceId: workspaceA, caller: { kind: 'api_key', id: 'key_x', role: 'auditor' }, ...conn });
      expect(reply).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      const keyReply = await nats('auth.create-api-key.v1', { workspaceId: workspaceA, caller: { kind: 'api_key', id: 'key_x', role: 'operator' }, name: 'sneaky', role: 'admin' });
      expect(keyReply).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    });
  });

  describe('connections', () => {
    let connectionId = '';

    it('creates a connection: encrypted at rest, secret fields named, values never shown', async () => {
      const secret = `sk_live_${randomBytes(12).toString('hex')}`;
      secrets.push(secret, 'hunter2-password');
      const res = await api('POST', '/v1/connections', keys.builder, { name: 'CRM', connector: 'http', credentials: { apiKey: secret, password: 'hunter2-password' } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ name: 'CRM', connector: 'http', status: 'active', secretFields: ['apiKey', 'password'] });
      expect(JSON.stringify(res.body)).not.toContain(secret);
      connectionId = res.body.id as string;
      const row = (await cluster.db.query('SELECT * FROM connections WHERE id = $1', [connectionId])).rows[0] as Record<string, unknown>;
      expect(row.master_key_id).toBe('k1');
      expect((row.ciphertext as Buffer).toString('latin1')).not.toContain(secret);
      const events = await auditEvents();
      expect(events.some((e) => e.action === 'connection.created' && (e.target as { id: string }).id === connectionId)).toBe(true);
    });

    it('gives the decrypted credentials to the connectors service over NATS, and audits the read', async () => {
      const reply = await nats('auth.read-credentials.v1', { workspaceId: workspaceA, connectionId, jobId: 'job_123' });
      expect(reply.ok).toBe(true);
      expect(Object.keys((reply.data as { credentials: Record<string, string> }).credentials).sort()).toEqual(['apiKey', 'password']);
      const read = (await auditEvents()).filter((e) => e.action === 'credential.read' && (e.target as { id: string }).id === connectionId);
      expect(read).toHaveLength(1);
      expect(read[0]).toMatchObject({ workspaceId: workspaceA, actor: { type: 'service', id: 'connectors' }, changes: { jobId: 'job_123' } });
    });

    it('renames and replaces credentials with PATCH', async () => {
      secrets.push('new-secret-value');
      const res = await api('PATCH', `/v1/connections/${connectionId}`, keys.builder, { name: 'CRM 2', credentials: { token: 'new-secret-value' } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ name: 'CRM 2', secretFields: ['token'] });
      const reply = await nats('auth.read-credentials.v1', { workspaceId: workspaceA, connectionId, jobId: 'job_124' });
      expect(reply.data?.credentials).toEqual({ token: 'new-secret-value' });
    });

    it.each([
      ['an unknown connector', { name: 'x', connector: 'no_such_connector', credentials: {} }, 'connector'],
      ['a connector of the wrong type', { name: 'x', connector: 7, credentials: {} }, 'connector'],
      ['a name of the wrong type', { name: ['x'], connector: 'http', credentials: {} }, 'name'],
      ['credentials that are a string', { name: 'x', connector: 'http', credentials: 'secret' }, 'credentials'],
      ['a credential value that is a number', { name: 'x', connector: 'http', credentials: { apiKey: 5 } }, 'credentials'],
      ['an oversize secret', { name: 'x', connector: 'http', credentials: { apiKey: 'a'.repeat(8193) } }, 'credentials'],
      ['too many secret fields', { name: 'x', connector: 'http', credentials: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`f${i}`, 'v'])) }, 'credentials'],
      ['a nested credential object', { name: 'x', connector: 'http', credentials: { nested: { a: 'b' } } }, 'credentials'],
      ['an unknown field', { name: 'x', connector: 'http', credentials: {}, owner: 'me' }, 'owner'],
      ['a __proto__ credential key', '{"name":"x","connector":"http","credentials":{"__proto__":{"polluted":"yes"}}}', 'credentials'],
      ['a constructor credential key', '{"name":"x","connector":"http","credentials":{"constructor":{"prototype":{"polluted":"yes"}}}}', 'credentials'],
      ['a top-level __proto__ key', '{"name":"x","connector":"http","credentials":{},"__proto__":{"polluted":"yes"}}', '__proto__'],
    ])('refuses %s with a 4xx problem and writes nothing', async (_label, body, field) => {
      const before = await count('connections');
      const eventsBefore = (await auditEvents()).length;
      const res = await api('POST', '/v1/connections', keys.builder, body);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.type).toMatch(/^application\/problem\+json/);
      const paths = (res.body.errors as { path: string }[] | undefined)?.map((e) => e.path) ?? [];
      expect(paths.some((p) => p === field || p.startsWith(`${field}.`))).toBe(true);
      expect(await count('connections')).toBe(before);
      expect((await auditEvents()).length).toBe(eventsBefore);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('refuses bad PATCH input and leaves the row as it was', async () => {
      const before = (await cluster.db.query('SELECT name, ciphertext FROM connections WHERE id = $1', [connectionId])).rows[0] as Record<string, unknown>;
      for (const body of [{ name: 5 }, { credentials: { apiKey: 'b'.repeat(9000) } }, '{"credentials":{"__proto__":{"x":"y"}}}', { status: 'active' }]) {
        const res = await api('PATCH', `/v1/connections/${connectionId}`, keys.builder, body);
        expect([JSON.stringify(body).slice(0, 40), res.status]).toEqual([JSON.stringify(body).slice(0, 40), 400]);
      }
      const after = (await cluster.db.query('SELECT name, ciphertext FROM connections WHERE id = $1', [connectionId])).rows[0] as Record<string, unknown>;
      expect(after).toEqual(before);
    });
  });

  describe('tenant isolation: another workspace sees 404 on every route', () => {
    let connectionId = '';
    let keyId = '';

    beforeAll(async () => {
      secrets.push('isolated-secret');
      connectionId = (await api('POST', '/v1/connections', keys.admin, { name: 'mine', connector: 'http', credentials: { apiKey: 'isolated-secret' } })).body.id as string;
      keyId = (await api('POST', '/v1/api-keys', keys.admin, { name: 'mine', role: 'auditor' })).body.id as string;
    });

    it.each([
      ['GET', '/v1/connections/:conn', undefined],
      ['PATCH', '/v1/connections/:conn', { name: 'stolen' }],
      ['PATCH', '/v1/connections/:conn', { credentials: { apiKey: 'overwritten' } }],
      ['DELETE', '/v1/connections/:conn', undefined],
      ['GET', `/v1/connections/:conn/oauth/authorize?redirectUri=${encodeURIComponent('https://app.example/cb')}`, undefined],
      ['GET', '/v1/api-keys/:key', undefined],
      ['DELETE', '/v1/api-keys/:key', undefined],
    ])('%s %s', async (method, route, body) => {
      const res = await api(method, route.replace(':conn', connectionId).replace(':key', keyId), keys.otherAdmin, body);
      expect(res.status).toBe(404);
      // untouched in its own workspace
      expect((await api('GET', `/v1/connections/${connectionId}`, keys.admin)).body).toMatchObject({ name: 'mine', secretFields: ['apiKey'] });
      expect((await api('GET', `/v1/api-keys/${keyId}`, keys.admin)).body).not.toHaveProperty('revokedAt');
    });

    it.each(['/v1/connections', '/v1/api-keys'])('GET %s lists only the caller’s workspace', async (path) => {
      const ids = ((await api('GET', path, keys.otherAdmin)).body.items as { id: string }[]).map((i) => i.id);
      expect(ids).not.toContain(connectionId);
      expect(ids).not.toContain(keyId);
    });

    it('an id that exists nowhere is 404 too', async () => {
      expect((await api('GET', '/v1/connections/conn_00000000000000000000000000', keys.admin)).status).toBe(404);
      expect((await api('GET', '/v1/api-keys/key_00000000000000000000000000', keys.admin)).status).toBe(404);
    });

    // ids are checked against their format at the gateway (issue #10 class 8): a malformed one is a 400 naming the parameter
    it.each([
      ['/v1/connections/', 'nonsense'],
      ['/v1/connections/', '1 OR 1=1'],
      ['/v1/api-keys/', 'nonsense'],
      ['/v1/api-keys/', 'conn_00000000000000000000000000'],
    ])('a malformed id is 400: GET %s%s', async (path, id) => {
      const reply = await api('GET', `${path}${encodeURIComponent(id)}`, keys.admin);
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ errors: [{ path: 'id' }] });
    });

    it('refuses a credential read naming another workspace', async () => {
      const reply = await nats('auth.read-credentials.v1', { workspaceId: workspaceB, connectionId, jobId: 'job_x' });
      expect(reply).toMatchObject({ ok: false, error: { code: 'not_found' } });
    });
  });

  describe('rotation of the master key', () => {
    it('re-wraps every data key under the newest key while credentials are being read', async () => {
      const expected = new Map<string, string>();
      for (let i = 0; i < 20; i++) {
        const secret = `rot-${i}-${randomBytes(8).toString('hex')}`;
        secrets.push(secret);
        const res = await api('POST', '/v1/connections', keys.admin, { name: `rot ${i}`, connector: 'http', credentials: { apiKey: secret } });
        expected.set(res.body.id as string, secret);
      }
      // a session signing key is sealed under k1 too: it must survive the rotation
      const password = `pw-${randomBytes(12).toString('hex')}`;
      secrets.push(password);
      expect((await api('POST', '/v1/users', keys.admin, { email: 'rot@example.com', password, role: 'auditor' })).status).toBe(201);
      const before = (await api('POST', '/v1/sessions', undefined, { email: 'rot@example.com', password })).body.token as string;
      expect((await api('GET', '/v1/connections', before)).status).toBe(200);

      // a new replica knows both keys; the old one (k1 only) is retired first
      await cluster.replaceAuth(`${k1},${k2}`);

      let stop = false;
      let reads = 0;
      const failures: unknown[] = [];
      const readers = Array.from({ length: 6 }, async () => {
        const ids = [...expected.keys()];
        while (!stop) {
          const id = ids[reads % ids.length];
          const reply = await nats('auth.read-credentials.v1', { workspaceId: workspaceA, connectionId: id, jobId: 'job_rot' });
          reads++;
          if (!reply.ok || (reply.data?.credentials as Record<string, string> | undefined)?.apiKey !== expected.get(id)) failures.push(reply);
        }
      });
      await waitFor(() => reads > 20);
      const rotated = await api('POST', '/v1/vault/rotate', rootToken);
      await waitFor(() => reads > 80);
      stop = true;
      await Promise.all(readers);

      expect(rotated.status).toBe(200);
      expect(rotated.body).toMatchObject({ keyId: 'k2', remaining: 0 });
      expect(rotated.body.rewrapped as number).toBeGreaterThanOrEqual(21); // 20 connections + 1 signing key
      expect(failures).toEqual([]);
      const { rows } = await cluster.db.query('SELECT DISTINCT master_key_id FROM connections UNION SELECT DISTINCT master_key_id FROM signing_keys');
      expect(rows).toEqual([{ master_key_id: 'k2' }]);

      // k1 is no longer needed: a replica with k2 alone decrypts everything
      await cluster.replaceAuth(k2);
      for (const [id, secret] of expected) {
        const reply = await nats('auth.read-credentials.v1', { workspaceId: workspaceA, connectionId: id, jobId: 'job_after' });
        expect(reply.data?.credentials).toEqual({ apiKey: secret });
      }
      // the signing key opens under k2 alone: new sessions are signed, and old ones still verify
      const after = await api('POST', '/v1/sessions', undefined, { email: 'rot@example.com', password });
      expect(after.status).toBe(201);
      expect((await api('GET', '/v1/connections', after.body.token as string)).status).toBe(200);
      expect((await api('GET', '/v1/connections', before)).status).toBe(200);
    }, 60_000);

    it('refuses rotation without the root token', async () => {
      expect((await api('POST', '/v1/vault/rotate', keys.admin)).status).toBe(401);
    });
  });

  describe('no secret leaves', () => {
    it('appears in no API response, no NATS reply except credential reads, no log line and no audit event', async () => {
      const isCredentialRead = (b: string) => b.includes('"connectionId"') && b.includes('"credentials"');
      const keysOnly = secrets.filter((s) => s.startsWith('jn_live_'));
      const connectionSecrets = secrets.filter((s) => !s.startsWith('jn_live_'));
      const responses = cluster.bodies.filter((b) => !isCredentialRead(b));
      // API keys appear in exactly their creation response; connection secrets in none
      for (const secret of connectionSecrets) expect(responses.filter((b) => b.includes(secret))).toEqual([]);
      for (const key of keysOnly) expect(responses.filter((b) => b.includes(key)).length).toBeLessThanOrEqual(1);
      const logs = cluster.logs();
      expect(logs.length).toBeGreaterThan(1000); // the processes did log (requests, rotation)
      const audit = JSON.stringify(await auditEvents());
      for (const secret of secrets) {
        expect(logs).not.toContain(secret);
        expect(audit).not.toContain(secret);
      }
      expect(logs).not.toContain(rootToken);
      expect(logs).not.toContain(k1.slice(3));
      expect(logs).not.toContain(k2.slice(3));
    });
  });
});
