import { randomBytes } from 'node:crypto';
import { EnvKeyProvider } from '@junction/auth/domain';
import { ServiceMetrics } from '@junction/platform/metrics';
import { AuthMetrics, MeteredEnvelope } from './auth-metrics';

/** The exposition's lines with each line's labels sorted: prom-client orders default labels differently by metric type. */
function normalized(text: string): string[] {
  return text.split('\n').map(sortLabels);
}
function sortLabels(line: string): string {
  const m = /^([^{\s]+)\{([^}]*)\}(.*)$/.exec(line);
  return m ? `${m[1]}{${m[2].split(',').sort().join(',')}}${m[3]}` : line;
}

describe('AuthMetrics', () => {
  it('counts vault operations by operation and outcome, and times them', async () => {
    const metrics = new ServiceMetrics('auth', { defaultMetrics: false });
    const envelope = new MeteredEnvelope(EnvKeyProvider.parse(`k1:${randomBytes(32).toString('base64')}`), AuthMetrics.of(metrics));
    const sealed = await envelope.seal({ token: 'xoxb-secret' }, 'connection/w/c');
    expect(await envelope.open(sealed, 'connection/w/c')).toEqual({ token: 'xoxb-secret' });
    await expect(envelope.open(sealed, 'connection/w/other')).rejects.toThrow();
    await envelope.rewrap(sealed, 'connection/w/c');
    const counts = await metrics.registry.getSingleMetricAsString('junction_vault_operations_total');
    expect(normalized(counts)).toContain(sortLabels('junction_vault_operations_total{service="auth",operation="seal",outcome="ok"} 1'));
    expect(normalized(counts)).toContain(sortLabels('junction_vault_operations_total{service="auth",operation="open",outcome="ok"} 1'));
    expect(normalized(counts)).toContain(sortLabels('junction_vault_operations_total{service="auth",operation="open",outcome="error"} 1'));
    expect(normalized(counts)).toContain(sortLabels('junction_vault_operations_total{service="auth",operation="rewrap",outcome="ok"} 1'));
    expect(normalized(counts)).toContain(sortLabels('junction_vault_operations_total{service="auth",operation="seal",outcome="error"} 0'));
    expect(normalized(await metrics.registry.getSingleMetricAsString('junction_vault_operation_duration_seconds'))).toContain(
      sortLabels('junction_vault_operation_duration_seconds_count{service="auth",operation="open"} 2'),
    );
    // nothing secret in the exposition
    expect(await metrics.registry.metrics()).not.toContain('xoxb-secret');
  });

  it('has every API key verification outcome at 0 from the start', async () => {
    const metrics = new ServiceMetrics('auth', { defaultMetrics: false });
    AuthMetrics.of(metrics).keyVerifications.inc({ outcome: 'unknown' });
    const text = await metrics.registry.getSingleMetricAsString('junction_api_key_verifications_total');
    for (const outcome of ['valid', 'malformed', 'revoked', 'expired'])
      expect(normalized(text)).toContain(sortLabels(`junction_api_key_verifications_total{service="auth",outcome="${outcome}"} 0`));
    expect(normalized(text)).toContain(sortLabels('junction_api_key_verifications_total{service="auth",outcome="unknown"} 1'));
  });
});
