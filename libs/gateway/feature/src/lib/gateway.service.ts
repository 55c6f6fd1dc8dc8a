import { urlencoded } from 'express';
import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { PlatformEnv } from '@junction/platform/config';
import type { ServiceDefinition } from '@junction/platform/service';
import { GatewayFeatureModule } from './gateway-feature.module';
import { IsTrustProxy, applyTrustProxy } from './limits/trust-proxy';
import { mountOpenApi } from './openapi';
import { serveHooksDirectly } from './ingress/hooks-fast-path';
import { gatewayAccess } from './gateway.access';

class GatewayEnv extends PlatformEnv {
  override PORT = 3000;
  override METRICS_PORT = 9460;

  /** The operator's secret for `POST /v1/workspaces` and vault rotation; unset disables both. */
  @IsOptional()
  @MinLength(32, { message: 'must be at least 32 characters' })
  JUNCTION_ROOT_TOKEN: string | undefined = undefined;

  /** Largest webhook body accepted on `/hooks`, bytes; bodies above the NATS claim threshold travel by reference. */
  @IsInt()
  @Min(1024)
  @Max(256 * 1024 * 1024)
  HOOK_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

  /**
   * How long a hook's lookup is reused, ms. The executor's HookChanged signal drops it at once when
   * its recipe starts or stops; this bounds a stale answer only on a gateway that missed the signal.
   */
  @IsInt()
  @Min(100)
  @Max(60_000)
  HOOK_CACHE_TTL_MS = 1000;

  /**
   * Accepted events waiting to run (trigger stream backlog plus queued jobs) at which webhooks
   * and API runs get 503 with Retry-After; 0 turns the limit off.
   */
  @IsInt()
  @Min(0)
  INGRESS_QUEUE_LIMIT = 100_000;

  /**
   * Queued events one workspace may have before its webhooks and API runs get 429 with
   * Retry-After (others still accepted); -1 (default): half of INGRESS_QUEUE_LIMIT; 0 turns it off.
   */
  @IsInt()
  @Min(-1)
  INGRESS_WORKSPACE_QUEUE_LIMIT = -1;

  /** Webhook and API-run events one workspace may send per window (429 + Retry-After past it); 0 (default): no such quota. */
  @IsInt()
  @Min(0)
  INGRESS_WORKSPACE_RATE_LIMIT = 0;

  @IsInt()
  @Min(1)
  @Max(3600)
  INGRESS_WORKSPACE_RATE_WINDOW_SEC = 10;

  /** Requests per window for one API key (or one user session) on the authenticated API. */
  @IsInt()
  @Min(1)
  API_RATE_LIMIT_PER_KEY = 6000;

  /** Requests per window for every key and user of one workspace together. */
  @IsInt()
  @Min(1)
  API_RATE_LIMIT_PER_WORKSPACE = 12_000;

  @IsInt()
  @Min(1)
  @Max(3600)
  API_RATE_LIMIT_WINDOW_SEC = 60;

  /** Failed logins per window for one account (e-mail) before `POST /v1/sessions` answers 429. */
  @IsInt()
  @Min(1)
  @Max(1000)
  LOGIN_ATTEMPTS_PER_ACCOUNT = 10;

  /** Failed logins per window from one client address (an IPv6 /64). */
  @IsInt()
  @Min(1)
  @Max(100_000)
  LOGIN_ATTEMPTS_PER_ADDRESS = 30;

  @IsInt()
  @Min(1)
  @Max(86_400)
  LOGIN_WINDOW_SEC = 900;

  /** Proxies trusted to name the client's address (X-Forwarded-For): empty (none), hops, or addresses/CIDRs. */
  @IsString()
  @IsTrustProxy()
  TRUST_PROXY = '';

  /** The web console's build served at /console; unset: `dist/apps/console` beside this bundle. */
  @IsOptional()
  @IsString()
  CONSOLE_DIR: string | undefined = undefined;
}

export const gatewayService: ServiceDefinition<GatewayEnv> = {
  name: 'gateway',
  access: gatewayAccess,
  env: GatewayEnv,
  database: false,
  imports: () => [GatewayFeatureModule],
  // ApiAuthGuard (gateway feature) admits a principal on every route not marked public
  authenticatesRoutes: true,
  configureApp: (app, env) => {
    applyTrustProxy(app, env.TRUST_PROXY);
    serveHooksDirectly(app, env.HOOK_BODY_LIMIT_BYTES);
    // the approval links' confirmation form posts a URL-encoded comment (its size checked by the route)
    app.use('/approvals', urlencoded({ extended: false, limit: '16kb' }));
    mountOpenApi(app);
  },
};
