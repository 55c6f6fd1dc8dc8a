import 'reflect-metadata';
import { auditService } from '@junction/audit/feature';
import { authService } from '@junction/auth/feature';
import { connectorsService } from '@junction/connectors/feature';
import { executorService } from '@junction/executor/feature';
import { gatewayService } from '@junction/gateway/feature';
import { runStandalone, type DatabaseStart } from '@junction/platform/standalone';
import { schedulerService } from '@junction/scheduler/feature';

/** `npm start`: every service in this one process, the API on the gateway's port. */
export function startServices(database: DatabaseStart): void {
  runStandalone([auditService, authService, connectorsService, schedulerService, executorService, gatewayService], database);
}
