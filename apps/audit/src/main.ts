import './tracing';
import 'reflect-metadata';
import { runService } from '@junction/platform/service';
import { auditService } from '@junction/audit/feature';

runService(auditService);
