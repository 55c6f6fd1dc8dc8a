import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { ulid } from 'ulid';
import { CheckSession, GetJwks, SESSION_AUDIENCE, SESSION_ISSUER, SESSION_STATUS_TTL_MS, type CheckSessionRequest } from '@junction/auth/contracts';
import type { MessageBus, RpcContract } from '@junction/platform/ports';
import { SessionVerifier } from './session-verifier';

const USER = `usr_${ulid()}`;
const WS = `ws_${ulid()}`;

/** Auth as the verifier sees it: the JWKS, and session statuses the test decides. */
class FakeAuth implements MessageBus {
  readonly checks: CheckSessionRequest[] = [];
  readonly revoked = new Set<string>();
  epoch = 0;

  constructor(private readonly jwk: Record<string, unknown>) {}

  async request<Req extends object, Res extends object>(contract: RpcContract<Req, Res>, payload: Req): Promise<Res> {
    if (contract.subject === GetJwks.subject) return { keys: [this.jwk] } as unknown as Res;
    if (contract.subject === CheckSession.subject) {
      const check = payload as unknown as CheckSessionRequest;
      this.checks.push(check);
      return { active: check.epoch === this.epoch && !this.revoked.has(check.jti) } as unknown as Res;
    }
    throw new Error(`unexpected ${contract.subject}`);
  }

  serve(): never {
    throw new Error('not served here');
  }

  async ping(): Promise<void> {
    return undefined;
  }
}

describe('SessionVerifier', () => {
  let privateKey: KeyLike;
  let auth: FakeAuth;
  let verifier: SessionVerifier;

  const token = (claims: Record<string, unknown> = {}, jti = typeof claims.jti === 'string' ? claims.jti : ulid()) =>
    new SignJWT({ ws: WS, role: 'builder', sep: 0, ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'sig_1' })
      .setIssuer(SESSION_ISSUER)
      .setAudience(SESSION_AUDIENCE)
      .setSubject(USER)
      .setJti(jti)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'sig_1', alg: 'ES256', use: 'sig' };
    auth = new FakeAuth(jwk);
  });

  beforeEach(() => {
    auth.checks.length = 0;
    auth.revoked.clear();
    auth.epoch = 0;
    verifier = new SessionVerifier(auth);
  });

  afterEach(() => jest.useRealTimers());

  it('asks auth once per token while the "active" answer is fresh, and again after SESSION_STATUS_TTL_MS', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const t = await token();
    expect(await verifier.verify(t)).toMatchObject({ kind: 'user', id: USER, workspaceId: WS, session: { jti: expect.any(String) } });
    expect(await verifier.verify(t)).toBeDefined();
    expect(auth.checks).toHaveLength(1);

    auth.epoch = 1; // every session of the user revoked
    jest.advanceTimersByTime(SESSION_STATUS_TTL_MS + 1);
    expect(await verifier.verify(t)).toBeUndefined();
    expect(auth.checks).toHaveLength(2);
    // "revoked" is final: not asked again
    expect(await verifier.verify(t)).toBeUndefined();
    expect(auth.checks).toHaveLength(2);
  });

  it('a token logged out through this replica is refused at once, without asking', async () => {
    const jti = ulid();
    const t = await token({}, jti);
    const principal = await verifier.verify(t);
    verifier.forget(USER, jti, principal?.session?.expiresAt ?? 0);
    expect(await verifier.verify(t)).toBeUndefined();
    expect(auth.checks).toHaveLength(1);
  });

  it('after a revoke-all through this replica, the user’s cached tokens are asked about again', async () => {
    const t = await token();
    expect(await verifier.verify(t)).toBeDefined();
    auth.epoch = 1;
    verifier.forgetUser(USER);
    expect(await verifier.verify(t)).toBeUndefined();
    expect(auth.checks).toHaveLength(2);
  });

  it('carries the epoch claim to auth, and a token without one counts as epoch 0', async () => {
    await verifier.verify(await token({ sep: 3 }));
    await verifier.verify(await token({ sep: undefined }));
    expect(auth.checks.map((c) => c.epoch)).toEqual([3, 0]);
  });

  it.each([
    ['a negative epoch', { sep: -1 }],
    ['a fractional epoch', { sep: 1.5 }],
    ['an epoch that is not a number', { sep: '0' }],
    ['a jti that is not a session id', { jti: '../../x' }],
  ])('refuses %s without asking auth', async (_name, claims) => {
    expect(await verifier.verify(await token(claims))).toBeUndefined();
    expect(auth.checks).toHaveLength(0);
  });
});
