import type { JobRow } from '@junction/executor/data-access';
import type { StepRecord } from '@junction/executor/domain';
import { ServiceMetrics } from '@junction/platform/metrics';
import { ExecutorMetrics } from './executor-metrics';

async function valueOf(metrics: ServiceMetrics, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`${name} is not registered`);
  const { values } = await metric.get();
  return values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want) && (v as { metricName?: string }).metricName === undefined)?.value;
}

const record = (status: StepRecord['status'], stepId = 'a', kind: StepRecord['kind'] = 'action'): StepRecord => ({
  stepId,
  stepKey: stepId,
  kind,
  status,
  ...(status === 'retrying' || status === 'deferred' ? { error: { stepId, stepKey: stepId, kind: 'rate_limited', message: 'slow down' } } : {}),
});

/** The exposition's lines with each line's labels sorted: prom-client orders default labels differently by metric type. */
function normalized(text: string): string[] {
  return text.split('\n').map(sortLabels);
}
function sortLabels(line: string): string {
  const m = /^([^{\s]+)\{([^}]*)\}(.*)$/.exec(line);
  return m ? `${m[1]}{${m[2].split(',').sort().join(',')}}${m[3]}` : line;
}

describe('ExecutorMetrics', () => {
  it('is one set per service registry', () => {
    const metrics = new ServiceMetrics('executor', { defaultMetrics: false });
    expect(ExecutorMetrics.of(metrics)).toBe(ExecutorMetrics.of(metrics));
  });

  it('counts first claims as started, by trigger kind, with their wait for a worker', async () => {
    const metrics = new ServiceMetrics('executor', { defaultMetrics: false });
    const created = new Date('2026-01-01T00:00:00Z');
    const job = (state: unknown, startedAt: Date) => ({ state, startedAt, createdAt: created, triggerKind: 'webhook' }) as unknown as JobRow;
    ExecutorMetrics.of(metrics).claimed([job(null, new Date(created.getTime() + 1500)), job({ resumed: true }, new Date(created.getTime() + 9000))]);
    expect(await valueOf(metrics, 'junction_jobs_started_total', { trigger: 'webhook' })).toBe(1);
    const text = await metrics.registry.getSingleMetricAsString('junction_job_claim_latency_seconds');
    expect(normalized(text)).toContain(sortLabels('junction_job_claim_latency_seconds_sum{service="executor"} 1.5'));
    expect(normalized(text)).toContain(sortLabels('junction_job_claim_latency_seconds_count{service="executor"} 1'));
  });

  it('records action attempts per built-in connector action, custom ones as one series, and retries with their Retry-After', async () => {
    const metrics = new ServiceMetrics('executor', { defaultMetrics: false });
    const actions: Record<string, string> = { a: 'slack.postMessage', b: 'acme-crm.createLead', x: 'slack.setTopic' };
    ExecutorMetrics.of(metrics).checkpointed(
      [record('succeeded', 'a'), record('retrying', 'b'), record('succeeded', 'x', 'set')],
      { ok: false, error: { kind: 'rate_limited', message: 'slow down', retryAfterMs: 30_000 } },
      (r) => actions[r.stepId],
      () => 1000,
      3000,
    );
    expect(await valueOf(metrics, 'junction_step_attempts_total', { connector: 'slack', action: 'postMessage', outcome: 'succeeded' })).toBe(1);
    expect(await valueOf(metrics, 'junction_step_attempts_total', { connector: 'custom', action: 'custom', outcome: 'retrying' })).toBe(1);
    expect(await valueOf(metrics, 'junction_step_retries_total', { kind: 'rate_limited', reason: 'retry' })).toBe(1);
    const retryAfter = await metrics.registry.getSingleMetricAsString('junction_step_retry_after_seconds');
    expect(normalized(retryAfter)).toContain(sortLabels('junction_step_retry_after_seconds_sum{service="executor"} 30'));
    const duration = await metrics.registry.getSingleMetricAsString('junction_step_duration_seconds');
    expect(normalized(duration)).toContain(sortLabels('junction_step_duration_seconds_sum{service="executor",connector="slack",action="postMessage",outcome="succeeded"} 2'));
    // a set step is no connector call: no series for it
    expect(duration).not.toContain('setTopic');
  });

  it('has every job outcome, redrive reason and dead-letter series at 0 before the first event, then counts them', async () => {
    const metrics = new ServiceMetrics('executor', { defaultMetrics: false });
    const executor = ExecutorMetrics.of(metrics);
    for (const outcome of ['succeeded', 'failed', 'cancelled', 'stopped', 'timed_out']) expect(await valueOf(metrics, 'junction_jobs_finished_total', { outcome })).toBe(0);
    expect(await valueOf(metrics, 'junction_dead_letters_total', { source: 'schedule', reason: 'invalid' })).toBe(0);
    executor.finished('failed');
    executor.finished('timed_out', 0);
    executor.redriven('stuck', 2);
    executor.deadLettered('trigger', 'max_deliveries');
    expect(await valueOf(metrics, 'junction_jobs_finished_total', { outcome: 'failed' })).toBe(1);
    expect(await valueOf(metrics, 'junction_jobs_finished_total', { outcome: 'timed_out' })).toBe(0);
    expect(await valueOf(metrics, 'junction_leases_redriven_total', { reason: 'stuck' })).toBe(2);
    expect(await valueOf(metrics, 'junction_dead_letters_total', { source: 'trigger', reason: 'max_deliveries' })).toBe(1);
  });
});
