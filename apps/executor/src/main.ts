import './tracing';
import 'reflect-metadata';
import { runService } from '@junction/platform/service';
import { executorService } from '@junction/executor/feature';

runService(executorService);
