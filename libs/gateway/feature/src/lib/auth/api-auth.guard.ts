import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemException } from '@junction/platform/http';
import { messageContext } from '@junction/platform/ports';
import { SERVICE_ENV } from '@junction/platform/service';
import type { AuthenticatedRequest, Principal } from '../shared/principal';
import { KeyVerdicts } from './key-verdicts';
import { SessionVerifier } from './session-verifier';
import { PUBLIC_ROUTE } from './public-route';
import { ROOT_TOKEN_ROUTE, rootTokenMatches } from './root-token';
import { routeAllows } from './route-permissions';

/** The part of the gateway's environment this guard reads. */
export interface RootTokenEnv {
  JUNCTION_ROOT_TOKEN?: string;
}

const unauthenticated = (detail: string) => new ProblemException('unauthenticated', 'Unauthorized', 401, { detail, headers: { 'WWW-Authenticate': 'Bearer realm="junction"' } });

function bearer(req: AuthenticatedRequest): string | undefined {
  const header = req.header('authorization');
  const match = header ? /^Bearer ([^\s]+)$/i.exec(header.trim()) : null;
  return match?.[1];
}

/**
 * Authenticates every `/v1` request (other paths — health, metrics, docs, hooks — have their own
 * rules) and enforces the route → role table. Sets `req.principal` and the tenant of the message
 * context, so every NATS message this request sends carries its workspace.
 */
@Injectable()
export class ApiAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verdicts: KeyVerdicts,
    private readonly sessions: SessionVerifier,
    @Inject(SERVICE_ENV) private readonly env: RootTokenEnv,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!/^\/v1(\/|$)/.test(req.path)) return true;
    const token = bearer(req);
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    if (this.reflector.getAllAndOverride<boolean>(ROOT_TOKEN_ROUTE, targets)) {
      if (!this.env.JUNCTION_ROOT_TOKEN) throw new ProblemException('forbidden', 'Forbidden', 403, { detail: 'No root token is configured (JUNCTION_ROOT_TOKEN).' });
      if (!rootTokenMatches(this.env.JUNCTION_ROOT_TOKEN, token)) throw unauthenticated('This route needs the root token as a bearer token.');
      return true;
    }

    if (!token) throw unauthenticated('An API key or session token is required: Authorization: Bearer …');
    const principal = await this.authenticate(token);
    if (!principal) throw unauthenticated('The API key or session token is invalid, expired or revoked.');
    req.principal = principal;
    const ctx = messageContext.current();
    if (ctx) ctx.workspaceId = principal.workspaceId;

    const route = (req as AuthenticatedRequest & { route?: { path?: string } }).route?.path ?? req.path;
    if (!routeAllows(principal.role, req.method, route)) {
      throw new ProblemException('forbidden', 'Forbidden', 403, { detail: `Role ${principal.role} may not call ${req.method} ${route}.` });
    }
    return true;
  }

  private async authenticate(token: string): Promise<Principal | undefined> {
    if (token.startsWith('jn_')) {
      const verdict = await this.verdicts.verify(token);
      return verdict ? { workspaceId: verdict.workspaceId, role: verdict.role, kind: 'api_key', id: verdict.keyId } : undefined;
    }
    return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token) ? this.sessions.verify(token) : undefined;
  }
}
