import 'reflect-metadata';
import { runService } from '@junction/platform/service';
import { gatewayService } from './service';

runService(gatewayService);
