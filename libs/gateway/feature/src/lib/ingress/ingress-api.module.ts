import { Module } from '@nestjs/common';
import { HooksController } from './hooks.controller';
import { RunsController } from './runs.controller';
import { TriggerIngress } from './trigger-ingress.service';

@Module({ controllers: [HooksController, RunsController], providers: [TriggerIngress] })
export class IngressApiModule {}
