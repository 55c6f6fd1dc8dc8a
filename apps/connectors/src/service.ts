import { PlatformEnv } from '@junction/platform/config';
import type { ServiceDefinition } from '@junction/platform/service';
import { ConnectorsFeatureModule } from '@junction/connectors/feature';

class ConnectorsEnv extends PlatformEnv {
  override PORT = 3002;
}

export const connectorsService: ServiceDefinition<ConnectorsEnv> = {
  name: 'connectors',
  env: ConnectorsEnv,
  database: { entities: [], migrations: [] },
  imports: () => [ConnectorsFeatureModule.forRoot([])],
};
