import 'reflect-metadata';
import { runService } from '@junction/platform/service';
import { auditService } from './service';

runService(auditService);
