import { ServiceMetrics } from '@junction/platform/metrics';
import { AuditMetrics } from './audit-metrics';

/** The exposition's lines with each line's labels sorted: prom-client orders default labels differently by metric type. */
function normalized(text: string): string[] {
  return text.split('\n').map(sortLabels);
}
function sortLabels(line: string): string {
  const m = /^([^{\s]+)\{([^}]*)\}(.*)$/.exec(line);
  return m ? `${m[1]}{${m[2].split(',').sort().join(',')}}${m[3]}` : line;
}

describe('AuditMetrics', () => {
  it('observes the ingest lag of stored events only; redeliveries count as duplicates', async () => {
    const metrics = new ServiceMetrics('audit', { defaultMetrics: false });
    const audit = AuditMetrics.of(metrics);
    const now = new Date('2026-03-01T10:00:02.500Z');
    audit.stored('2026-03-01T10:00:00.000Z', now, true);
    audit.stored('2026-03-01T09:00:00.000Z', now, false);
    audit.stored('not a date', now, true);
    const lag = await metrics.registry.getSingleMetricAsString('junction_audit_ingest_lag_seconds');
    expect(normalized(lag)).toContain(sortLabels('junction_audit_ingest_lag_seconds_sum{service="audit"} 2.5'));
    expect(normalized(lag)).toContain(sortLabels('junction_audit_ingest_lag_seconds_count{service="audit"} 1'));
    const ingested = await metrics.registry.getSingleMetricAsString('junction_audit_events_ingested_total');
    expect(normalized(ingested)).toContain(sortLabels('junction_audit_events_ingested_total{service="audit",outcome="stored"} 2'));
    expect(normalized(ingested)).toContain(sortLabels('junction_audit_events_ingested_total{service="audit",outcome="duplicate"} 1'));
  });

  it('keeps the last verification result until another one finishes; an error does not change it', async () => {
    const metrics = new ServiceMetrics('audit', { defaultMetrics: false });
    const audit = AuditMetrics.of(metrics);
    const last = async () => (await metrics.registry.getSingleMetricAsString('junction_audit_last_verification_valid')).split('\n').at(-1);
    expect(await last()).toBe('junction_audit_last_verification_valid{service="audit"} 1');
    audit.verified('broken', 1_800_000_000_000);
    expect(await last()).toBe('junction_audit_last_verification_valid{service="audit"} 0');
    audit.verified('error');
    expect(await last()).toBe('junction_audit_last_verification_valid{service="audit"} 0');
    expect(await metrics.registry.getSingleMetricAsString('junction_audit_last_verification_timestamp_seconds')).toContain(
      'junction_audit_last_verification_timestamp_seconds{service="audit"} 1800000000',
    );
    audit.verified('valid');
    expect(await last()).toBe('junction_audit_last_verification_valid{service="audit"} 1');
    const counts = await metrics.registry.getSingleMetricAsString('junction_audit_verifications_total');
    for (const result of ['valid', 'broken', 'error']) expect(normalized(counts)).toContain(sortLabels(`junction_audit_verifications_total{service="audit",result="${result}"} 1`));
  });
});
