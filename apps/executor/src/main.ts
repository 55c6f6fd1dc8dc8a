import 'reflect-metadata';
import { runService } from '@junction/platform/service';
import { executorService } from './service';

runService(executorService);
