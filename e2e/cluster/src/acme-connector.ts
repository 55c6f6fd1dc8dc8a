/** The part of the SDK's FakeThirdParty this file uses (a harness file may not import the SDK, only specs may). */
interface FakeRoutes {
  on(method: 'GET', path: string, reply: (req: { headers: Record<string, string | string[] | undefined> }) => { status?: number; json?: unknown }): unknown;
}

/** The one token the fake Acme API accepts. */
export const ACME_GOOD_TOKEN = 'tok_acme_good_5e1a9c7d';

/** A declarative connector whose connection test is `GET /me` on a local fake third party. */
export const acmeConnector = (baseUrl: string, key = 'acme-e2e') => ({
  key,
  displayName: 'Acme (e2e)',
  baseUrl,
  auth: { kind: 'bearer' },
  test: { method: 'GET', path: '/me' },
  actions: [{ key: 'me', displayName: 'Who am I', method: 'GET', path: '/me', output: { type: 'object', properties: { id: { type: 'string' } } } }],
});

/**
 * `GET /me`: 200 for the good token, 401 for any other, echoing the credential back as some APIs
 * do (what answers it must scrub).
 */
export function serveAcme(acme: FakeRoutes): void {
  acme.on('GET', '/me', (req) =>
    req.headers['authorization'] === `Bearer ${ACME_GOOD_TOKEN}` ? { json: { id: 'me' } } : { status: 401, json: { error: 'invalid token', got: req.headers['authorization'] } },
  );
}
