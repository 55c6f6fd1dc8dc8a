import { IsInt, IsString, Max, Min } from 'class-validator';
import { PlatformEnv } from '@junction/platform/config';
import { IsFenceAllowList } from '@junction/platform/fence';
import type { ServiceDefinition } from '@junction/platform/service';
import { BUILT_IN_CONNECTORS } from './built-in-connectors';
import { CONNECTORS_ENTITIES, CONNECTORS_MIGRATIONS } from '@junction/connectors/data-access';
import { ConnectorsFeatureModule } from './connectors-feature.module';
import { connectorsAccess } from './connectors.access';

class ConnectorsEnv extends PlatformEnv {
  override PORT = 3002;
  override METRICS_PORT = 9462;

  /**
   * Private addresses the outbound fence lets through: IPs, CIDRs, `address:port`, `[v6]:port`
   * (e.g. `127.0.0.1:8080` for a local test server). A malformed entry stops the service.
   */
  @IsString()
  @IsFenceAllowList()
  JUNCTION_HTTP_ALLOW = '';

  /** Calls a second per connection, shared by every replica. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  CONNECTION_RATE_LIMIT_PER_SEC = 10;

  @IsInt()
  @Min(1)
  @Max(1000)
  BREAKER_FAILURES = 5;

  @IsInt()
  @Min(100)
  @Max(3_600_000)
  BREAKER_HALF_OPEN_MS = 30_000;

  @IsInt()
  @Min(100)
  @Max(600_000)
  HTTP_TIMEOUT_MS = 30_000;
}

export const connectorsService: ServiceDefinition<ConnectorsEnv> = {
  name: 'connectors',
  access: connectorsAccess,
  env: ConnectorsEnv,
  database: { entities: CONNECTORS_ENTITIES, migrations: CONNECTORS_MIGRATIONS },
  imports: (env) => [
    ConnectorsFeatureModule.forRoot({
      connectors: BUILT_IN_CONNECTORS,
      httpAllow: env.JUNCTION_HTTP_ALLOW,
      // its own port, Postgres, NATS and Redis are never destinations, whatever the allow-list says
      platform: env,
      ratePerSecond: env.CONNECTION_RATE_LIMIT_PER_SEC,
      breakerFailures: env.BREAKER_FAILURES,
      breakerHalfOpenMs: env.BREAKER_HALF_OPEN_MS,
      httpTimeoutMs: env.HTTP_TIMEOUT_MS,
    }),
  ],
};
