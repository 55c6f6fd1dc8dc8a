import { Module } from '@nestjs/common';
import { HooksController } from './hooks.controller';
import { IngressBackpressure } from './ingress-backpressure';
import { RunsController } from './runs.controller';
import { TriggerIngress } from './trigger-ingress.service';

@Module({ controllers: [HooksController, RunsController], providers: [TriggerIngress, IngressBackpressure] })
export class IngressApiModule {}
