import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { waitFor } from '@junction/shared/testing';
import { Cluster, RUN_MODES } from './cluster-harness';

const ROOT = join(__dirname, '../../..');
const DASHBOARD = 'docker/grafana/dashboards/junction.json';
const ALERTS = 'docker/prometheus/alerts.yml';

/** Series Prometheus makes itself for each target: used by alerts, exported by no process. */
const SYNTHESIZED = new Set(['up']);

const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects: identifiers that are neither functions (followed
 * by `(`), keywords, label names (inside `{}` or a `by (...)` list), nor strings or durations.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = match[0];
    const rest = stripped.slice((match.index ?? 0) + word.length);
    if (/^\s*\(/.test(rest) || PROMQL_WORDS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names];
}

/** Every PromQL expression of the dashboard's panels (rows' nested panels too) and of the alert rules, with where it is. */
function expressionsInRepo(): { where: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(join(ROOT, DASHBOARD), 'utf8')) as { panels: Panel[] };
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  const fromPanels = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `${DASHBOARD}: panel "${p.title}"`, expr: t.expr })));
  const alerts = parseYaml(readFileSync(join(ROOT, ALERTS), 'utf8')) as { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] };
  const fromRules = alerts.groups.flatMap((g) => g.rules.map((r) => ({ where: `${ALERTS}: ${r.alert ?? r.record}`, expr: String(r.expr) })));
  return [...fromPanels, ...fromRules];
}

interface Panel {
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

/** A scrape, as metric families (name → type) and samples (series name, labels, value). */
function parseExposition(text: string): { families: Map<string, string>; samples: { name: string; labels: Record<string, string>; value: number }[] } {
  const families = new Map<string, string>();
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) families.set(type[1], type[2]);
    if (!line || line.startsWith('#')) continue;
    const sample = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!sample) continue;
    const labels = Object.fromEntries([...(sample[2] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    samples.push({ name: sample[1], labels, value: Number(sample[3]) });
  }
  return { families, samples };
}

/** The family a series name belongs to: a histogram's `_bucket`, `_sum` and `_count` are its own. */
function familyOf(name: string, families: Map<string, string>): string | undefined {
  if (families.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return families.get(base) === 'histogram' || families.get(base) === 'summary' ? base : undefined;
}

/**
 * Issue #17: every metric a dashboard panel or an alert uses is exported by a running cluster.
 * The names are parsed from the dashboard JSON and the rules YAML, so a panel or an alert added
 * for a metric no service exports fails here. Traffic first (a webhook whose job calls a third
 * party, an audit verification), so that the series the panels plot have samples, and no label
 * value is an id.
 */
describe.each(RUN_MODES)('metrics: what the dashboard and the alerts use is exported (%s)', (mode) => {
  const crm = new FakeThirdParty();
  let cluster: Cluster;

  beforeAll(async () => {
    await crm.start();
    crm.on('POST', '/contacts', { status: 201, json: { id: 'c_1' } });
    cluster = Cluster.inMode(mode, undefined, { EXECUTOR_POLL_INTERVAL_MS: '200' });
    await cluster.start(['gateway', 'auth', 'connectors', 'executor', 'scheduler', 'audit']);
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    await crm.close();
  }, 60_000);

  it('reads metric names out of PromQL (the extraction the next test relies on)', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, kind) (rate(junction_schedule_fire_lag_seconds_bucket{kind="tick"}[10m]))) > 30').sort()).toEqual([
      'junction_schedule_fire_lag_seconds_bucket',
    ]);
    expect(metricNames('max(junction_jobs_queued) > 100 and deriv(max(junction_jobs_queued)[15m:1m]) > 0')).toEqual(['junction_jobs_queued']);
    expect(metricNames('up{job="junction"} == 0 or sum without (instance) (rate(http_requests_total[5m])) * on (service) group_left junction_ready').sort()).toEqual([
      'http_requests_total',
      'junction_ready',
      'up',
    ]);
    const expressions = expressionsInRepo();
    expect(expressions.length).toBeGreaterThan(40);
    expect(expressions.filter((e) => metricNames(e.expr).length === 0)).toEqual([]);
  });

  it('exports every metric a panel or an alert uses, with samples after a webhook ran a job', async () => {
    const connection = await cluster.call<{ id: string }>('POST', '/v1/connections', { name: 'crm', connector: 'http', credentials: { token: 'tok', allowedHosts: crm.url } });
    expect({ status: connection.status, body: connection.status === 201 ? undefined : connection.body }).toEqual({ status: 201, body: undefined });
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: 'signup to crm',
      trigger: { type: 'webhook' },
      steps: [
        {
          id: 'contact',
          action: 'http.request',
          connection: connection.body.id,
          input: { method: 'POST', url: `${crm.url}/contacts`, body: { email: '{{ trigger.body.email }}' } },
        },
      ],
    });
    expect(recipe.status).toBe(201);
    const hookUrl = await cluster.startHook(recipe.body.id);
    const accepted = await fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ada@example.com' }) });
    expect(accepted.status).toBe(202);
    let jobId = '';
    await waitFor(async () => {
      const list = await cluster.call<{ items: { id: string; status: string }[] }>('GET', `/v1/jobs?recipeId=${recipe.body.id}`);
      jobId = list.body.items.find((j) => j.status === 'succeeded')?.id ?? '';
      return jobId !== '';
    }, 30_000);
    // a job cancelled through the API ends too
    const napping = await cluster.call<{ id: string }>('POST', '/v1/recipes', { name: 'nap', trigger: { type: 'webhook' }, steps: [{ id: 'nap', delay: '10m' }] });
    expect(napping.status).toBe(201);
    const napHook = await cluster.startHook(napping.body.id);
    expect((await fetch(napHook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(202);
    let napJob = '';
    await waitFor(async () => {
      const list = await cluster.call<{ items: { id: string; status: string }[] }>('GET', `/v1/jobs?recipeId=${napping.body.id}`);
      napJob = list.body.items.find((j) => j.status === 'running')?.id ?? '';
      return napJob !== '';
    }, 30_000);
    expect((await cluster.call('POST', `/v1/jobs/${napJob}/cancel`)).status).toBe(200);
    // the audit events of all this reach the log; a verification then finds the chain intact
    await waitFor(async () => {
      const verified = await cluster.call<{ valid: boolean; checked: number }>('GET', '/v1/audit/verify');
      return verified.status === 200 && verified.body.valid && verified.body.checked > 0;
    }, 30_000);

    const scrapes = await Promise.all(
      [...cluster.services.values()].map(async (s) => {
        const res = await fetch(s.metricsUrl);
        expect(res.status).toBe(200);
        return { service: s.name, ...parseExposition(await res.text()) };
      }),
    );
    const families = new Map<string, string>();
    for (const scrape of scrapes) for (const [name, type] of scrape.families) families.set(name, type);
    const samples = scrapes.flatMap((s) => s.samples);

    const missing = expressionsInRepo().flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((name) => !SYNTHESIZED.has(name) && familyOf(name, families) === undefined)
        .map((name) => `${name} (${where})`),
    );
    expect(missing).toEqual([]);

    // the traffic shows up where an operator looks for it
    const value = (name: string, labels: Record<string, string>) =>
      samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
    expect(value('junction_jobs_started_total', { trigger: 'webhook' })).toBeGreaterThanOrEqual(1);
    expect(value('junction_jobs_finished_total', { outcome: 'succeeded' })).toBeGreaterThanOrEqual(1);
    expect(value('junction_jobs_finished_total', { outcome: 'cancelled' })).toBe(1);
    expect(value('junction_job_claim_latency_seconds_count', {})).toBeGreaterThanOrEqual(1);
    expect(value('junction_step_attempts_total', { connector: 'http', action: 'request', outcome: 'succeeded' })).toBeGreaterThanOrEqual(1);
    expect(value('junction_step_duration_seconds_count', { connector: 'http', action: 'request' })).toBeGreaterThanOrEqual(1);
    expect(value('junction_connector_calls_total', { connector: 'http', action: 'request', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(value('junction_api_key_verifications_total', { service: 'auth', outcome: 'valid' })).toBeGreaterThanOrEqual(1);
    expect(value('junction_vault_operations_total', { operation: 'seal', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(value('junction_vault_operations_total', { operation: 'open', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(value('junction_audit_events_ingested_total', { outcome: 'stored' })).toBeGreaterThanOrEqual(1);
    expect(value('junction_audit_ingest_lag_seconds_count', {})).toBeGreaterThanOrEqual(1);
    expect(value('junction_audit_verifications_total', { result: 'valid' })).toBeGreaterThanOrEqual(1);
    expect(value('junction_audit_last_verification_valid', { service: 'audit' })).toBe(1);
    expect(value('junction_ready', { service: 'executor' })).toBe(1);
    // every durable consumer reports its depth and lag (JetStream in a cluster, the embedded queue standalone)
    const consumers = samples.filter((s) => s.name === 'junction_queue_depth').map((s) => `${s.labels['stream']}/${s.labels['consumer']}`);
    expect(consumers).toEqual(expect.arrayContaining(['TRIGGERS/executor-trigger-intake', 'AUDIT/audit-store']));
    expect(samples.filter((s) => s.name === 'junction_queue_oldest_age_seconds').length).toBe(consumers.length);

    // bounded cardinality: no label value is an id of this run, every series is junction_ and says its service
    const ids = [jobId, napJob, recipe.body.id, napping.body.id, connection.body.id, cluster.workspaceId];
    expect(samples.filter((s) => Object.values(s.labels).some((v) => ids.some((id) => v.includes(id))))).toEqual([]);
    expect([...families.keys()].filter((n) => !n.startsWith('junction_'))).toEqual([]);
    expect(samples.filter((s) => !s.labels['service']).map((s) => s.name)).toEqual([]);
    process.stdout.write(`\n${mode}: ${families.size} metric families exported by ${scrapes.length} processes; ${expressionsInRepo().length} expressions checked\n`);
  }, 120_000);
});
