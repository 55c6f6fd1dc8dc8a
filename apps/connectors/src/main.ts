import 'reflect-metadata';
import { runService } from '@junction/platform/service';
import { connectorsService } from './service';

runService(connectorsService);
