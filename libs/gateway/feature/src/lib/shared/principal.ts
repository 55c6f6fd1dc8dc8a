import { createParamDecorator, type ExecutionContext, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';

export const ROLES = ['admin', 'builder', 'operator', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as established by the gateway's authentication guard. */
export interface Principal {
  workspaceId: string;
  role: Role;
  /** `api_key` for bearer keys, `user` for JWT sessions. */
  kind: 'api_key' | 'user';
  /** The key id or user id (never the secret). */
  id: string;
  /** For a session token: its id and expiry (epoch seconds), what logging out revokes. */
  session?: { jti: string; expiresAt: number };
}

export type AuthenticatedRequest = Request & { principal?: Principal };

/** The authenticated principal of the request; 401 if the route was reached without one. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new UnauthorizedException('authentication required');
  return principal;
});
