import { Counter, Gauge, Histogram } from 'prom-client';
import type { ServiceMetrics } from '@junction/platform/metrics';

const LAG_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** How a chain verification ended: intact, broken (a row altered, missing or out of order), or not finished (an error, a deadline). */
export type VerificationResult = 'valid' | 'broken' | 'error';

/**
 * The audit service's questions: how far behind the events is the log (an event's time to its
 * row), how many are stored or were already there, and what the chain verifications found. The
 * last verification's result is a gauge, so an alert fires on a broken chain and stays until a
 * verification passes; verifications run per workspace, and no label names one.
 */
export class AuditMetrics {
  private static readonly byRegistry = new WeakMap<ServiceMetrics, AuditMetrics>();

  readonly ingestLag: Histogram;
  readonly ingested: Counter<'outcome'>;
  readonly verifications: Counter<'result'>;
  readonly lastVerificationValid: Gauge;
  readonly lastVerificationTime: Gauge;

  static of(metrics: ServiceMetrics): AuditMetrics {
    let found = AuditMetrics.byRegistry.get(metrics);
    if (!found) {
      found = new AuditMetrics(metrics);
      AuditMetrics.byRegistry.set(metrics, found);
    }
    return found;
  }

  private constructor(metrics: ServiceMetrics) {
    const registers = [metrics.registry];
    this.ingestLag = new Histogram({
      name: 'junction_audit_ingest_lag_seconds',
      help: 'From an audit event’s time (as its publisher stamped it) to its row being stored',
      buckets: LAG_SECONDS,
      registers,
    });
    this.ingested = new Counter({
      name: 'junction_audit_events_ingested_total',
      help: 'Audit events taken from the AUDIT stream, by outcome (stored, duplicate)',
      labelNames: ['outcome'],
      registers,
    });
    this.verifications = new Counter({
      name: 'junction_audit_verifications_total',
      help: 'Chain verifications (GET /v1/audit/verify), by result (valid, broken, error)',
      labelNames: ['result'],
      registers,
    });
    this.lastVerificationValid = new Gauge({
      name: 'junction_audit_last_verification_valid',
      help: 'Whether the last chain verification this replica finished found the chain intact (1) or broken (0); 1 before any',
      registers,
    });
    this.lastVerificationTime = new Gauge({
      name: 'junction_audit_last_verification_timestamp_seconds',
      help: 'When this replica last finished a chain verification (Unix time; 0 before any)',
      registers,
    });
    for (const outcome of ['stored', 'duplicate']) this.ingested.inc({ outcome }, 0);
    for (const result of ['valid', 'broken', 'error']) this.verifications.inc({ result }, 0);
    this.lastVerificationValid.set(1);
    this.lastVerificationTime.set(0);
  }

  stored(eventAt: string, now: Date, stored: boolean): void {
    this.ingested.inc({ outcome: stored ? 'stored' : 'duplicate' });
    const at = Date.parse(eventAt);
    // a duplicate is a redelivery: its lag is the redelivery's, not the log's
    if (stored && Number.isFinite(at)) this.ingestLag.observe(Math.max(0, now.getTime() - at) / 1000);
  }

  verified(result: VerificationResult, now = Date.now()): void {
    this.verifications.inc({ result });
    if (result === 'error') return;
    this.lastVerificationValid.set(result === 'valid' ? 1 : 0);
    this.lastVerificationTime.set(now / 1000);
  }
}
