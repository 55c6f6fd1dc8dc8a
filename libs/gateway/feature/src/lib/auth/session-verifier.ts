import { Inject, Injectable } from '@nestjs/common';
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { GetJwks, ROLES, SESSION_AUDIENCE, SESSION_ISSUER, USER_ID_RE, WORKSPACE_ID_RE, type Role } from '@junction/auth/contracts';
import type { Principal } from '../shared/principal';

/** The JWKS is kept this long, ms. */
const JWKS_TTL_MS = 5 * 60_000;
/** An unknown `kid` refetches the JWKS at most this often, ms: forged kids must not flood auth. */
const JWKS_REFETCH_MS = 30_000;

/**
 * Verifies session tokens (ES256 JWTs) against auth's JWKS, fetched over NATS and kept in memory;
 * a token signed by a newer key (unknown `kid`) triggers one refetch.
 */
@Injectable()
export class SessionVerifier {
  private cached?: { keys: JWTVerifyGetKey; fetchedAt: number };

  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  /** The principal of a valid token, or undefined; an unreachable auth service throws. */
  async verify(token: string): Promise<Principal | undefined> {
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

  private async check(token: string, keys: JWTVerifyGetKey): Promise<Principal | undefined> {
    const { payload } = await jwtVerify(token, keys, { issuer: SESSION_ISSUER, audience: SESSION_AUDIENCE, algorithms: ['ES256'] });
    const { sub, ws, role } = payload as { sub?: unknown; ws?: unknown; role?: unknown };
    if (typeof sub !== 'string' || !USER_ID_RE.test(sub) || typeof ws !== 'string' || !WORKSPACE_ID_RE.test(ws) || !(ROLES as readonly unknown[]).includes(role)) return undefined;
    return { kind: 'user', id: sub, workspaceId: ws, role: role as Role };
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
