import { Gauge, type Registry } from 'prom-client';
import { ScrapeSample } from './scrape-sample';

/** Each dependency readiness waits on (database, NATS, Redis) and whether it answered. */
export type ReadinessProbe = () => Promise<{ dependency: string; up: boolean }[]>;

/**
 * `junction_ready` (1 when every dependency answers, as `/health/ready` would say) and
 * `junction_dependency_up` per dependency, checked at each scrape: an alert on readiness needs no
 * prober of its own, and says which dependency is away.
 */
export class ReadinessGauges {
  private probe?: ReadinessProbe;
  private readonly sample = new ScrapeSample(async () => (this.probe ? await this.probe() : undefined));

  constructor(registers: Registry[]) {
    const ready = new Gauge({
      name: 'junction_ready',
      help: 'Whether every dependency this service needs answered its readiness check at the scrape (1) or not (0)',
      registers,
      collect: async () => {
        const checks = await this.sample.get();
        if (checks) ready.set(checks.every((c) => c.up) ? 1 : 0);
      },
    });
    const up = new Gauge({
      name: 'junction_dependency_up',
      help: 'Whether a dependency answered its readiness check at the scrape, by dependency (database, nats, redis)',
      labelNames: ['dependency'],
      registers,
      collect: async () => {
        const checks = await this.sample.get();
        up.reset();
        for (const c of checks ?? []) up.set({ dependency: c.dependency }, c.up ? 1 : 0);
      },
    });
  }

  watch(probe: ReadinessProbe): void {
    this.probe = probe;
  }
}
