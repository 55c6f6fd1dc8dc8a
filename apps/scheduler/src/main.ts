import './tracing';
import 'reflect-metadata';
import { runService } from '@junction/platform/service';
import { schedulerService } from '@junction/scheduler/feature';

runService(schedulerService);
