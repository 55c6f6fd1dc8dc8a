import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ServiceMetrics } from '@junction/platform/metrics';
import { READINESS_CHECKS, type ReadinessCheck } from '@junction/platform/ports';

/** Each dependency gets this long at a scrape, as at a probe, ms. */
const CHECK_TIMEOUT_MS = 1000;

/** Feeds `junction_ready` and `junction_dependency_up`: the readiness checks, run at each scrape. */
@Injectable()
export class ReadinessMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: ServiceMetrics,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  onModuleInit(): void {
    this.metrics.watchReadiness(async () => {
      const results = await Promise.all(
        this.checks.map((c) =>
          c.check(CHECK_TIMEOUT_MS).then(
            () => ({ dependency: c.name, up: true }),
            () => ({ dependency: c.name, up: false }),
          ),
        ),
      );
      // two checks of one name (standalone: the service's database and the queue's) are up only together
      const byName = new Map<string, boolean>();
      for (const r of results) byName.set(r.dependency, (byName.get(r.dependency) ?? true) && r.up);
      return [...byName].map(([dependency, up]) => ({ dependency, up }));
    });
  }
}
