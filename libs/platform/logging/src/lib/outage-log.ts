import type { Logger } from 'pino';

/**
 * One log line when a dependency (NATS, Postgres, Redis, another service) goes away and one when
 * it is back, with how long it was away and how many requests failed meanwhile, instead of one
 * error line per refused request. The count is what an operator needs; the lines in between
 * would say the same thing hundreds of times.
 */
export class OutageLog {
  private downSince: number | undefined;
  private failures = 0;

  constructor(
    private readonly logger: Logger,
    readonly dependency: string,
  ) {}

  get isDown(): boolean {
    return this.downSince !== undefined;
  }

  /** The dependency is away (a failed request, or a status event): logged only at the start of an outage. */
  down(error?: unknown, countsAsFailure = true): void {
    if (countsAsFailure) this.failures++;
    if (this.downSince !== undefined) return;
    this.downSince = Date.now();
    this.logger.warn({ dependency: this.dependency, ...(error === undefined ? {} : { err: error }) }, `${this.dependency} unavailable`);
  }

  /** The dependency answered: logged only when it ends an outage. */
  up(): void {
    if (this.downSince === undefined) return;
    const downMs = Date.now() - this.downSince;
    const failed = this.failures;
    this.downSince = undefined;
    this.failures = 0;
    this.logger.info({ dependency: this.dependency, downMs, failed }, `${this.dependency} available again`);
  }
}

/** One `OutageLog` per called service, named by a subject's first token (`auth.…` → the auth service). */
export class ServiceOutageLogs {
  private readonly logs = new Map<string, OutageLog>();

  constructor(private readonly logger: Logger) {}

  of(subject: string): OutageLog {
    const service = subject.split('.', 1)[0];
    let log = this.logs.get(service);
    if (!log) {
      log = new OutageLog(this.logger, `${service} service`);
      this.logs.set(service, log);
    }
    return log;
  }
}
