import { Controller, Get, HttpStatus, Inject, Optional, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { PublicRoute } from '@junction/platform/http';
import { OutageLog, ROOT_LOGGER } from '@junction/platform/logging';
import { READINESS_CHECKS, type ReadinessCheck } from '@junction/platform/ports';

/** Each dependency gets this long to answer before the service reports itself unready, ms. */
const CHECK_TIMEOUT_MS = 1000;

/**
 * Public on every port: probes carry no credentials. So readiness answers up or down per
 * dependency and nothing else; why a dependency is down (host names, database names, driver
 * messages) is for operators and goes to the log.
 */
@ApiExcludeController()
@PublicRoute()
@Controller('health')
export class HealthController {
  // a dependency that stays down is logged when it goes and when it is back, not at every probe
  private readonly outages = new Map<string, OutageLog>();

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
    @Optional() @Inject(ROOT_LOGGER) private readonly logger?: Logger,
  ) {}

  /** The process runs and its event loop turns; says nothing about dependencies. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready only when every dependency (database, NATS, Redis) answers within its timeout. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check(
        this.checks.map((c) => async () => {
          const session = this.indicators.check(c.name);
          try {
            await c.check(CHECK_TIMEOUT_MS);
            this.outageOf(c.name)?.up();
            return session.up();
          } catch (error) {
            this.outageOf(c.name)?.down(error);
            return session.down();
          }
        }),
      );
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      res.status(HttpStatus.SERVICE_UNAVAILABLE);
      res.setHeader('Retry-After', '5');
      return error.getResponse() as HealthCheckResult;
    }
  }

  private outageOf(dependency: string): OutageLog | undefined {
    if (!this.logger) return undefined;
    let log = this.outages.get(dependency);
    if (!log) {
      log = new OutageLog(this.logger, `${dependency} (readiness)`);
      this.outages.set(dependency, log);
    }
    return log;
  }
}
