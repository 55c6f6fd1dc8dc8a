import { PlatformEnv } from '@junction/platform/config';
import type { ServiceDefinition } from '@junction/platform/service';

class AuthEnv extends PlatformEnv {
  override PORT = 3001;
}

export const authService: ServiceDefinition<AuthEnv> = {
  name: 'auth',
  env: AuthEnv,
  database: { entities: [], migrations: [] },
  imports: () => [],
};
