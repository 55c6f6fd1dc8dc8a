import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { AuthCluster } from './auth-harness';

/** Users with argon2id passwords, ES256 session tokens with `kid`, and the JWKS that verifies them. */
describe('auth: users and sessions', () => {
  const cluster = new AuthCluster();
  const password = `pw-${randomBytes(12).toString('hex')}`;
  let ws: { id: string; key: string };

  beforeAll(async () => {
    await cluster.start(AuthCluster.masterKey('k1'));
    ws = await cluster.createWorkspace('sessions');
  }, 60_000);

  afterAll(() => cluster.stop(), 60_000);

  it('creates a user with an argon2id hash and never shows the password', async () => {
    const res = await cluster.api('POST', '/v1/users', ws.key, { email: 'Ann@Example.com', password, role: 'builder' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.stringMatching(/^usr_/), email: 'ann@example.com', role: 'builder', createdAt: expect.any(String) });
    const row = (await cluster.db.query('SELECT password_hash FROM users WHERE id = $1', [res.body.id])).rows[0] as { password_hash: string };
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row.password_hash).not.toContain(password);
  });

  it.each([
    ['email', { email: 'not-an-email', password, role: 'builder' }],
    ['password', { email: 'bob@example.com', password: 'short', role: 'builder' }],
    ['role', { email: 'bob@example.com', password, role: 'owner' }],
  ])('refuses a bad %s with 400 and creates nothing', async (field, body) => {
    const res = await cluster.api('POST', '/v1/users', ws.key, body);
    expect(res.status).toBe(400);
    expect((res.body.errors as { path: string }[]).map((e) => e.path)).toContain(field);
    expect(Number((await cluster.db.query('SELECT count(*) AS n FROM users')).rows[0].n)).toBe(1);
  });

  it('refuses a duplicate email with 409', async () => {
    expect((await cluster.api('POST', '/v1/users', ws.key, { email: 'ann@example.com', password, role: 'auditor' })).status).toBe(409);
  });

  it('refuses a wrong password or unknown email with the same 401, and audits the failure', async () => {
    const wrong = await cluster.api('POST', '/v1/sessions', undefined, { email: 'ann@example.com', password: `${password}x` });
    const unknown = await cluster.api('POST', '/v1/sessions', undefined, { email: 'nobody@example.com', password });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body.detail).toBe(unknown.body.detail);
    expect((await cluster.auditEvents()).filter((e) => e.action === 'user.login_failed')).toHaveLength(1);
  });

  it('logs in with an ES256 token whose kid is in the JWKS, and the token authenticates as the user', async () => {
    const res = await cluster.api('POST', '/v1/sessions', undefined, { email: 'ann@example.com', password });
    expect(res.status).toBe(201);
    const token = res.body.token as string;
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: 'ES256', kid: expect.stringMatching(/^sig_/) });

    const jwks = await fetch(`${cluster.gateway.url}/.well-known/jwks.json`);
    expect(jwks.status).toBe(200);
    const set = (await jwks.json()) as JSONWebKeySet;
    expect(set.keys.map((k) => k.kid)).toContain(header.kid);
    for (const key of set.keys) expect(key).not.toHaveProperty('d'); // public halves only
    const { payload } = await jwtVerify(token, createLocalJWKSet(set), { issuer: 'junction', audience: 'junction-api' });
    expect(payload).toMatchObject({ ws: ws.id, role: 'builder', sub: expect.stringMatching(/^usr_/) });

    expect((await cluster.api('GET', '/v1/connections', token)).status).toBe(200);
    expect((await cluster.api('POST', '/v1/api-keys', token, { name: 'x', role: 'admin' })).status).toBe(403); // builder
    expect((await cluster.auditEvents()).some((e) => e.action === 'user.logged_in')).toBe(true);
  });

  it.each([
    ['a flipped signature byte', (t: string) => `${t.slice(0, -2)}${t.at(-2) === 'A' ? 'B' : 'A'}${t.at(-1)}`],
    ['an alg=none token', (t: string) => `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${t.split('.')[1]}.`],
    ['another payload', (t: string) => `${t.split('.')[0]}.${Buffer.from(JSON.stringify({ sub: 'usr_x', ws: 'ws_x', role: 'admin' })).toString('base64url')}.${t.split('.')[2]}`],
  ])('refuses %s with 401', async (_label, tamper) => {
    const token = (await cluster.api('POST', '/v1/sessions', undefined, { email: 'ann@example.com', password })).body.token as string;
    expect((await cluster.api('GET', '/v1/connections', tamper(token))).status).toBe(401);
  });

  it('keeps the password out of logs and audit events', async () => {
    const logs = cluster.logs();
    expect(logs).not.toContain(password);
    expect(JSON.stringify(await cluster.auditEvents())).not.toContain(password);
  });
});
