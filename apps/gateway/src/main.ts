import './tracing';
import 'reflect-metadata';
import { runService } from '@junction/platform/service';
import { gatewayService } from '@junction/gateway/feature';

runService(gatewayService);
