import { randomBytes } from 'node:crypto';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { ACME_GOOD_TOKEN, acmeConnector, serveAcme } from '../acme-connector';
import { Cluster } from '../cluster-harness';

/** A credential that must not come back from the test, in any answer or log line. */
const CANARY = `tok_canary_${randomBytes(9).toString('hex')}`;

interface TestAnswer {
  ok: boolean;
  detail?: string;
}

/**
 * `POST /v1/connections/:id/test` (issue #14) in the hands of the wrong people: another workspace,
 * roles that may not write connections, a connector pointed inside the fence, and a third party
 * that echoes the credential back.
 */
describe('connection test (hostile)', () => {
  const cluster = Cluster.inMode('cluster');
  const acme = new FakeThirdParty();
  const answers: string[] = [];
  let ours = '';
  let otherKey = '';
  let theirs = '';

  const test = async (id: string, key = cluster.apiKey) => {
    const answer = await cluster.call<TestAnswer>('POST', `/v1/connections/${id}/test`, undefined, key);
    answers.push(JSON.stringify(answer.body));
    return answer;
  };
  const connection = async (name: string, connector: string, credentials: Record<string, string>, key = cluster.apiKey): Promise<string> => {
    const made = await cluster.call<{ id: string }>('POST', '/v1/connections', { name, connector, credentials }, key);
    expect(made.status).toBe(201);
    return made.body.id;
  };

  beforeAll(async () => {
    await acme.start();
    serveAcme(acme);
    await cluster.start(['gateway', 'auth', 'connectors', 'audit']);
    expect((await cluster.call('POST', '/v1/connectors', acmeConnector(acme.url))).status).toBe(201);
    ours = await connection('acme canary', 'acme-e2e', { token: CANARY });
    const other = await cluster.call<{ apiKey: { key: string } }>('POST', '/v1/workspaces', { name: 'other' }, cluster.rootToken);
    otherKey = other.body.apiKey.key;
    expect((await cluster.call('POST', '/v1/connectors', acmeConnector(acme.url), otherKey)).status).toBe(201);
    theirs = await connection('their acme', 'acme-e2e', { token: ACME_GOOD_TOKEN }, otherKey);
  }, 180_000);

  afterAll(async () => {
    await cluster.stop();
    await acme.close();
  }, 60_000);

  it('another workspace’s connection is a 404 both ways, and nothing is called', async () => {
    const before = acme.requests.length;
    expect((await test(theirs)).status).toBe(404);
    expect((await test(ours, otherKey)).status).toBe(404);
    expect(acme.requests.length).toBe(before);
    // their own test still works: the id was not the problem
    expect((await test(theirs, otherKey)).body).toMatchObject({ ok: true });
  });

  it('only roles that write connections may test them: auditor and operator are refused before anything is called', async () => {
    const before = acme.requests.length;
    for (const role of ['auditor', 'operator']) {
      const key = await cluster.call<{ key: string }>('POST', '/v1/api-keys', { name: `conn-test-${role}`, role });
      expect(key.status).toBe(201);
      expect((await test(ours, key.body.key)).status).toBe(403);
    }
    expect(acme.requests.length).toBe(before);
    const builder = await cluster.call<{ key: string }>('POST', '/v1/api-keys', { name: 'conn-test-builder', role: 'builder' });
    expect((await test(ours, builder.body.key)).status).toBe(200);
  });

  it('a third party that echoes the credential back: the answer says why without it', async () => {
    const answer = await test(ours);
    expect(answer.status).toBe(200);
    expect(answer.body.ok).toBe(false);
    expect(answer.body.detail).toContain('[redacted]');
    expect(JSON.stringify(answer.body)).not.toContain(CANARY);
  });

  it('stays inside the outbound fence: the metadata address and the platform’s own NATS are refused, not called', async () => {
    // the fence's own words for each: not public (link-local), one of the platform's listeners
    for (const [key, baseUrl, why] of [
      ['meta-e2e', 'http://169.254.169.254', /169\.254\.169\.254 is not a public address/],
      ['nats-e2e', 'http://127.0.0.1:4222', /port 4222 is one of the platform's own listeners/],
    ] as const) {
      expect((await cluster.call('POST', '/v1/connectors', acmeConnector(baseUrl, key))).status).toBe(201);
      const id = await connection(`fenced ${key}`, key, { token: CANARY });
      const answer = await test(id);
      expect(answer.status).toBe(200);
      expect(answer.body.ok).toBe(false);
      expect(answer.body.detail).toMatch(why);
    }
  });

  it('no answer and no service log line carries the credential', () => {
    expect(answers.filter((a) => a.includes(CANARY))).toEqual([]);
    const logs = [...cluster.services.values()].flatMap((s) => s.output);
    expect(logs.filter((line) => line.includes(CANARY))).toEqual([]);
  });
});
