import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor, Optional } from '@nestjs/common';
import type { Response } from 'express';
import type { Observable } from 'rxjs';
import { ProblemException } from '@junction/platform/http';
import { RATE_LIMITERS, type RateLimiter, type RateLimiters } from '@junction/platform/ports';
import { SERVICE_ENV } from '@junction/platform/service';
import type { AuthenticatedRequest } from '../shared/principal';
import { RATE_LIMIT_DEFAULTS, type RateLimitEnv } from './rate-limit-env';
import { rateLimitHeaders, retryAfterSeconds } from './rate-limit-headers';

/**
 * Per-API-key and per-workspace request budgets on every authenticated route (spec §4): one key
 * hammering the API is refused with `429` + `Retry-After` while other workspaces are served, and
 * every authenticated response tells the client where it stands (`RateLimit-Policy`, `RateLimit`).
 *
 * An interceptor, not a guard: Nest runs interceptors after every guard, so the principal the
 * authentication guard set is always there, whatever order the guards are registered in.
 * Requests without a principal (public routes) are not counted here; login has its own throttle.
 */
@Injectable()
export class ApiRateLimit implements NestInterceptor {
  private readonly perKey: RateLimiter;
  private readonly perWorkspace: RateLimiter;

  constructor(@Inject(RATE_LIMITERS) limiters: RateLimiters, @Optional() @Inject(SERVICE_ENV) env?: RateLimitEnv) {
    const windowSec = env?.API_RATE_LIMIT_WINDOW_SEC ?? RATE_LIMIT_DEFAULTS.API_RATE_LIMIT_WINDOW_SEC;
    this.perKey = limiters.create({ name: 'api-key', points: env?.API_RATE_LIMIT_PER_KEY ?? RATE_LIMIT_DEFAULTS.API_RATE_LIMIT_PER_KEY, windowSec });
    this.perWorkspace = limiters.create({ name: 'api-workspace', points: env?.API_RATE_LIMIT_PER_WORKSPACE ?? RATE_LIMIT_DEFAULTS.API_RATE_LIMIT_PER_WORKSPACE, windowSec });
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = req.principal;
    if (!principal) return next.handle();
    // both at once (one round trip to the store on the hot path)
    const [key, workspace] = await Promise.all([this.perKey.consume(`${principal.kind}:${principal.id}`), this.perWorkspace.consume(principal.workspaceId)]);
    // a key already refused does not spend its workspace's budget (the other keys' share)
    if (!key.allowed && workspace.allowed) {
      await this.perWorkspace.refund(principal.workspaceId);
      workspace.remaining = Math.min(workspace.limit, workspace.remaining + 1);
    }
    const headers = rateLimitHeaders([
      { name: 'key', windowSec: this.perKey.policy.windowSec, decision: key },
      { name: 'workspace', windowSec: this.perWorkspace.policy.windowSec, decision: workspace },
    ]);
    const res = context.switchToHttp().getResponse<Response>();
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    if (key.allowed && workspace.allowed) return next.handle();
    const which = !key.allowed ? (principal.kind === 'user' ? 'this user' : 'this API key') : 'this workspace';
    const waitMs = !key.allowed ? key.retryAfterMs : workspace.retryAfterMs;
    throw new ProblemException('rate-limited', 'Too many requests', 429, {
      detail: `The request budget of ${which} is spent (${!key.allowed ? key.limit : workspace.limit} requests per ${this.perKey.policy.windowSec} s); retry after ${retryAfterSeconds(waitMs)} s.`,
      headers: { 'Retry-After': String(retryAfterSeconds(waitMs)) },
    });
  }
}
