import type { DynamicModule, INestApplication, InjectionToken, Type } from '@nestjs/common';
import type { PlatformEnv } from '@junction/platform/config';
import type { DatabaseModuleOptions } from '@junction/platform/database';
import type { ServiceAccess } from '@junction/platform/nats';

export type ServiceName = 'gateway' | 'auth' | 'connectors' | 'scheduler' | 'executor' | 'audit';

/** Everything that makes one service different from the others; the rest is shared wiring. */
export interface ServiceDefinition<E extends PlatformEnv = PlatformEnv> {
  name: ServiceName;
  /** Environment class of the service (extends PlatformEnv); validated at start. */
  env: new () => E;
  /**
   * What the service does on NATS. Its NATS permissions are generated from this, and the bus
   * refuses any use it does not declare (also on a laptop, where NATS has no authentication).
   */
  access: ServiceAccess;
  /** The service's own database, or false for a service that owns nothing durable. */
  database: Pick<DatabaseModuleOptions, 'entities' | 'migrations'> | false;
  /** Feature modules, built from the validated environment. */
  imports: (env: E) => (DynamicModule | Type<unknown>)[];
  /**
   * Extra set-up of the HTTP application (OpenAPI, route-specific body parsers), after the
   * platform's middleware and before its JSON body parser.
   */
  configureApp?: (app: INestApplication, env: E) => void | Promise<void>;
  /**
   * True when a feature module installs a global guard that authenticates every route not marked
   * `@PublicRoute()` (the gateway's API). Otherwise the platform refuses every unmarked route.
   */
  authenticatesRoutes?: boolean;
}

/** The validated environment of the running service. */
export const SERVICE_ENV: InjectionToken = Symbol('ServiceEnv');
