import { PlatformEnv } from '@junction/platform/config';
import type { ServiceDefinition } from '@junction/platform/service';

class SchedulerEnv extends PlatformEnv {
  override PORT = 3003;
}

export const schedulerService: ServiceDefinition<SchedulerEnv> = {
  name: 'scheduler',
  env: SchedulerEnv,
  database: { entities: [], migrations: [] },
  imports: () => [],
};
