import { PlatformEnv } from '@junction/platform/config';
import type { ServiceDefinition } from '@junction/platform/service';

class ExecutorEnv extends PlatformEnv {
  override PORT = 3004;
}

export const executorService: ServiceDefinition<ExecutorEnv> = {
  name: 'executor',
  env: ExecutorEnv,
  database: { entities: [], migrations: [] },
  imports: () => [],
};
