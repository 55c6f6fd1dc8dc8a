import { PlatformEnv } from '@junction/platform/config';
import type { ServiceDefinition } from '@junction/platform/service';

class AuditEnv extends PlatformEnv {
  override PORT = 3005;
}

export const auditService: ServiceDefinition<AuditEnv> = {
  name: 'audit',
  env: AuditEnv,
  database: { entities: [], migrations: [] },
  imports: () => [],
};
