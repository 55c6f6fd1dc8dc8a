import { PlatformEnv } from '@junction/platform/config';
import type { ServiceDefinition } from '@junction/platform/service';
import { GatewayFeatureModule, mountOpenApi } from '@junction/gateway/feature';

class GatewayEnv extends PlatformEnv {
  override PORT = 3000;
}

export const gatewayService: ServiceDefinition<GatewayEnv> = {
  name: 'gateway',
  env: GatewayEnv,
  database: false,
  imports: () => [GatewayFeatureModule],
  configureApp: (app) => mountOpenApi(app),
};
