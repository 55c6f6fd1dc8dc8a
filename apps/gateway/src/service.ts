import { IsOptional, MinLength } from 'class-validator';
import { PlatformEnv } from '@junction/platform/config';
import type { ServiceDefinition } from '@junction/platform/service';
import { GatewayFeatureModule, acceptRawHookBodies, mountOpenApi } from '@junction/gateway/feature';

class GatewayEnv extends PlatformEnv {
  override PORT = 3000;

  /** The operator's secret for `POST /v1/workspaces` and vault rotation; unset disables both. */
  @IsOptional()
  @MinLength(32, { message: 'must be at least 32 characters' })
  JUNCTION_ROOT_TOKEN: string | undefined = undefined;
}

export const gatewayService: ServiceDefinition<GatewayEnv> = {
  name: 'gateway',
  env: GatewayEnv,
  database: false,
  imports: () => [GatewayFeatureModule],
  rawBody: true,
  configureApp: (app, env) => {
    acceptRawHookBodies(app, env.BODY_LIMIT_BYTES);
    mountOpenApi(app);
  },
};
