import { type DynamicModule, Module, type InjectionToken } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { READINESS_CHECKS, type ReadinessCheck } from '@junction/platform/ports';
import { HealthController } from './health.controller';
import { ReadinessMetrics } from './readiness-metrics';

@Module({})
export class HealthModule {
  /** `checks`: tokens of the ReadinessCheck providers this service depends on. */
  static forRoot(checks: InjectionToken[]): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [{ provide: READINESS_CHECKS, inject: checks, useFactory: (...found: ReadinessCheck[]) => found }, ReadinessMetrics],
    };
  }
}
