import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ServiceMetrics, type ServiceMetricsOptions } from './service-metrics';

/** The service's `ServiceMetrics`; served by `startMetricsServer` on METRICS_PORT, not by a route of the API. */
@Global()
@Module({})
export class MetricsModule {
  static forService(service: string, options: ServiceMetricsOptions = {}): DynamicModule {
    return {
      module: MetricsModule,
      providers: [{ provide: ServiceMetrics, useValue: new ServiceMetrics(service, options) }],
      exports: [ServiceMetrics],
    };
  }
}
