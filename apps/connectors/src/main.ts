import './tracing';
import 'reflect-metadata';
import { runService } from '@junction/platform/service';
import { connectorsService } from '@junction/connectors/feature';

runService(connectorsService);
