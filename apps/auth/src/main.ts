import './tracing';
import 'reflect-metadata';
import { runService } from '@junction/platform/service';
import { authService } from '@junction/auth/feature';

runService(authService);
