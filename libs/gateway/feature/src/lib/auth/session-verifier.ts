import { Inject, Injectable } from '@nestjs/common';
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import {
  CheckSession,
  GetJwks,
  ROLES,
  SESSION_AUDIENCE,
  SESSION_EPOCH_CLAIM,
  SESSION_ID_RE,
  SESSION_ISSUER,
  SESSION_STATUS_TTL_MS,
  USER_ID_RE,
  WORKSPACE_ID_RE,
  type Role,
} from '@junction/auth/contracts';
import type { Principal } from '../shared/principal';

/** The JWKS is kept this long, ms. */
const JWKS_TTL_MS = 5 * 60_000;
/** An unknown `kid` refetches the JWKS at most this often, ms: forged kids must not flood auth. */
const JWKS_REFETCH_MS = 30_000;
/** Session statuses remembered at most; the oldest goes first. Only signature-checked tokens get here. */
const STATUS_CACHE_MAX = 10_000;

interface CachedStatus {
  userId: string;
  active: boolean;
  /** Epoch ms after which the answer is asked again. */
  until: number;
}

/**
 * Verifies session tokens (ES256 JWTs) against auth's JWKS, fetched over NATS and kept in memory;
 * a token signed by a newer key (unknown `kid`) triggers one refetch. A token with a valid
 * signature is then checked against revocation (logged out, or every session of its user revoked)
 * by asking auth; an "active" answer is trusted for SESSION_STATUS_TTL_MS, which bounds how long a
 * revocation takes to reach this replica, a "revoked" one for the rest of the token's life.
 */
@Injectable()
export class SessionVerifier {
  private cached?: { keys: JWTVerifyGetKey; fetchedAt: number };
  private readonly statuses = new Map<string, CachedStatus>();
  private readonly asking = new Map<string, Promise<boolean>>();

  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  /** The principal of a valid, unrevoked token, or undefined; an unreachable auth service throws. */
  async verify(token: string): Promise<Principal | undefined> {
    const claims = await this.verifySignature(token);
    if (!claims) return undefined;
    return (await this.isActive(claims)) ? claims.principal : undefined;
  }

  /** The token was just revoked through this replica: it stops working here at once. */
  forget(userId: string, jti: string, expiresAt: number): void {
    this.remember(jti, { userId, active: false, until: expiresAt * 1000 });
  }

  /** Every session of the user was just revoked through this replica: its next request asks auth again. */
  forgetUser(userId: string): void {
    for (const [jti, status] of this.statuses) if (status.userId === userId && status.active) this.statuses.delete(jti);
  }

  private async verifySignature(token: string): Promise<Claims | undefined> {
    try {
      return await this.check(token, await this.keySet(false));
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) {
        if (error instanceof errors.JOSEError) return undefined;
        throw error;
      }
    }
    try {
      return await this.check(token, await this.keySet(true));
    } catch (error) {
      if (error instanceof errors.JOSEError) return undefined;
      throw error;
    }
  }

  private async check(token: string, keys: JWTVerifyGetKey): Promise<Claims | undefined> {
    const { payload } = await jwtVerify(token, keys, { issuer: SESSION_ISSUER, audience: SESSION_AUDIENCE, algorithms: ['ES256'], requiredClaims: ['exp', 'jti'] });
    const { sub, ws, role, jti, exp } = payload as { sub?: unknown; ws?: unknown; role?: unknown; jti?: unknown; exp?: unknown };
    // tokens issued before epochs existed carry none: epoch 0, which any revoke-all moves past
    const epoch = payload[SESSION_EPOCH_CLAIM] ?? 0;
    if (typeof sub !== 'string' || !USER_ID_RE.test(sub) || typeof ws !== 'string' || !WORKSPACE_ID_RE.test(ws) || !(ROLES as readonly unknown[]).includes(role)) return undefined;
    if (typeof jti !== 'string' || !SESSION_ID_RE.test(jti) || typeof exp !== 'number' || !Number.isSafeInteger(epoch) || (epoch as number) < 0) return undefined;
    return { principal: { kind: 'user', id: sub, workspaceId: ws, role: role as Role, session: { jti, expiresAt: exp } }, jti, epoch: epoch as number, exp };
  }

  private async isActive(claims: Claims): Promise<boolean> {
    const now = Date.now();
    const cached = this.statuses.get(claims.jti);
    if (cached && cached.until > now) return cached.active;
    let pending = this.asking.get(claims.jti);
    if (!pending) {
      pending = this.bus
        .request(CheckSession, { userId: claims.principal.id, jti: claims.jti, epoch: claims.epoch })
        .then(({ active }) => {
          // a revocation recorded here while the question was out wins over an older "active"
          const meanwhile = this.statuses.get(claims.jti);
          if (meanwhile && !meanwhile.active) return false;
          this.remember(claims.jti, { userId: claims.principal.id, active, until: active ? Date.now() + SESSION_STATUS_TTL_MS : claims.exp * 1000 });
          return active;
        })
        .finally(() => this.asking.delete(claims.jti));
      this.asking.set(claims.jti, pending);
    }
    return pending;
  }

  private remember(jti: string, status: CachedStatus): void {
    this.statuses.delete(jti);
    // insertion order is age: the oldest answer goes first, and is asked again when needed
    for (const key of this.statuses.keys()) {
      if (this.statuses.size < STATUS_CACHE_MAX) break;
      this.statuses.delete(key);
    }
    this.statuses.set(jti, status);
  }

  private async keySet(unknownKid: boolean): Promise<JWTVerifyGetKey> {
    const now = Date.now();
    const age = this.cached ? now - this.cached.fetchedAt : Infinity;
    if (this.cached && age < JWKS_TTL_MS && (!unknownKid || age < JWKS_REFETCH_MS)) return this.cached.keys;
    const jwks = await this.bus.request(GetJwks, {});
    this.cached = { keys: createLocalJWKSet(jwks as unknown as JSONWebKeySet), fetchedAt: now };
    return this.cached.keys;
  }
}

interface Claims {
  principal: Principal;
  jti: string;
  epoch: number;
  exp: number;
}
