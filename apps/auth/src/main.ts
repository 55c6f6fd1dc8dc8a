import 'reflect-metadata';
import { runService } from '@junction/platform/service';
import { authService } from './service';

runService(authService);
