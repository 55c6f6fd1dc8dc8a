import 'reflect-metadata';
import { runService } from '@junction/platform/service';
import { schedulerService } from './service';

runService(schedulerService);
