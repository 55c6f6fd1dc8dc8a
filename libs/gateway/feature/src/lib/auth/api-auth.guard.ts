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
 * Deny by default: every route of the gateway's Nest application needs a principal (API key or
 * session) unless it is marked `@PublicRoute()` or `@RootTokenRoute()`, whatever its path. The
 * role check uses the route pattern Express matched (`/v1/jobs/:id`), never the raw path, and
 * HEAD and OPTIONS are checked as the GET they mirror. Sets `req.principal` and the tenant of
 * the message context, so every NATS message this request sends carries its workspace.
 * (`POST /hooks/:id` is served ahead of Nest with its own per-trigger checks.)
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
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const token = bearer(req);

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

    const route = (req as AuthenticatedRequest & { route?: { path?: unknown } }).route?.path;
    if (typeof route !== 'string' || !routeAllows(principal.role, req.method, route)) {
      const name = typeof route === 'string' ? `${req.method} ${route}` : 'this route';
      throw new ProblemException('forbidden', 'Forbidden', 403, { detail: `Role ${principal.role} may not call ${name}.` });
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
