import { Module } from '@nestjs/common';
import { IngressBackpressure } from './ingress-backpressure';
import { RunsController } from './runs.controller';
import { TriggerIngress } from './trigger-ingress.service';

/** API runs (a Nest controller) and the ingress they share with webhooks (served by `serveHooksDirectly`). */
@Module({ controllers: [RunsController], providers: [TriggerIngress, IngressBackpressure] })
export class IngressApiModule {}
