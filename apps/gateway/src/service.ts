import { IsInt, IsOptional, Max, Min, MinLength } from 'class-validator';
import { PlatformEnv } from '@junction/platform/config';
import type { ServiceDefinition } from '@junction/platform/service';
import { GatewayFeatureModule, mountOpenApi, serveHooksDirectly } from '@junction/gateway/feature';

class GatewayEnv extends PlatformEnv {
  override PORT = 3000;

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
   * Accepted events waiting to run (trigger stream backlog plus queued jobs) at which webhooks
   * and API runs get 503 with Retry-After; 0 turns the limit off.
   */
  @IsInt()
  @Min(0)
  INGRESS_QUEUE_LIMIT = 100_000;
}

export const gatewayService: ServiceDefinition<GatewayEnv> = {
  name: 'gateway',
  env: GatewayEnv,
  database: false,
  imports: () => [GatewayFeatureModule],
  configureApp: (app, env) => {
    serveHooksDirectly(app, env.HOOK_BODY_LIMIT_BYTES);
    mountOpenApi(app);
  },
};
