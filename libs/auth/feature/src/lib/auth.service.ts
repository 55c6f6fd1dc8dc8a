import { IsOptional, IsString, Matches } from 'class-validator';
import { PlatformEnv } from '@junction/platform/config';
import { IsFenceAllowList } from '@junction/platform/fence';
import { MASTER_KEYS_PATTERN } from '@junction/platform/ports';
import type { ServiceDefinition } from '@junction/platform/service';
import { AUTH_DATABASE, AuthFeatureModule } from './auth-feature.module';
import { authAccess } from './auth.access';

class AuthEnv extends PlatformEnv {
  override PORT = 3001;
  override METRICS_PORT = 9461;

  /** Vault master keys `id:<base64 32 bytes>`, comma-separated, newest last. Unset: the vault is unavailable. */
  @IsOptional()
  @Matches(MASTER_KEYS_PATTERN, {
    message: 'must be id:<base64 of 32 bytes>, comma-separated, newest last',
  })
  JUNCTION_MASTER_KEYS: string | undefined = undefined;

  /** Private addresses OAuth token calls may reach (the same fence and syntax as the connectors service's). */
  @IsString()
  @IsFenceAllowList()
  JUNCTION_HTTP_ALLOW = '';
}

export const authService: ServiceDefinition<AuthEnv> = {
  name: 'auth',
  access: authAccess,
  env: AuthEnv,
  database: AUTH_DATABASE,
  imports: (env) => [AuthFeatureModule.forRoot({ masterKeys: env.JUNCTION_MASTER_KEYS, httpAllow: env.JUNCTION_HTTP_ALLOW, platform: env })],
};
