/**
 * Engine overhead per step, no I/O: the spec's recipe (webhook → set 4 fields → http.request POST)
 * driven through start/advance with an instant fake action result.
 *
 *   node -r @swc-node/register bench/engine/run.ts [jobs]
 *
 * Prints a table and writes bench/results/engine.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Recipe } from '@junction/executor/contracts';
import { advance, type JobState, setExpressionTimeout, start, validateRecipe } from '@junction/executor/domain';

// The bench measures overhead, not limits: on a loaded machine a descheduled evaluation could pass
// the 100 ms expression timeout and abort the run.
setExpressionTimeout(60_000);

const JOBS = Number(process.argv[2] ?? 100_000);
const WARMUP = Math.min(10_000, Math.ceil(JOBS / 10));
const STEPS_PER_JOB = 2; // set + action

function recipe(mapping: Record<string, string>): Recipe {
  const result = validateRecipe({
    name: 'bench: webhook to sink',
    trigger: { type: 'webhook' },
    steps: [
      { id: 'map', set: mapping },
      {
        id: 'post',
        action: 'http.request',
        input: {
          method: 'POST',
          url: 'http://127.0.0.1:9/sink',
          headers: { 'content-type': 'application/json' },
          body: { id: '{{ vars.id }}', name: '{{ vars.name }}', email: '{{ vars.email }}', total: '{{ vars.total }}' },
        },
      },
    ],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.recipe;
}

const variants: { name: string; recipe: Recipe; checkpoint: boolean }[] = [
  {
    name: 'paths (fast path)',
    recipe: recipe({
      id: '{{ trigger.body.order.id }}',
      name: '{{ trigger.body.customer.name }}',
      email: '{{ trigger.body.customer.email }}',
      total: '{{ trigger.body.order.total }}',
    }),
    checkpoint: false,
  },
  {
    name: 'jsonata functions',
    recipe: recipe({
      id: '{{ $string(trigger.body.order.id) }}',
      name: '{{ $uppercase(trigger.body.customer.name) }}',
      email: '{{ $lowercase(trigger.body.customer.email) }}',
      total: '{{ trigger.body.order.total * 100 }}',
    }),
    checkpoint: false,
  },
];
variants.push({ ...variants[0], name: 'paths + JSON checkpoint', checkpoint: true });

function event(i: number) {
  return { headers: { 'x-delivery': `d${i}` }, body: { order: { id: i, total: 12.5 + i }, customer: { name: `Customer ${i}`, email: `C${i}@Example.com` } } };
}

const roundTrip = (state: JobState): JobState => JSON.parse(JSON.stringify(state)) as JobState;

async function runJob(r: Recipe, i: number, checkpoint: boolean): Promise<void> {
  let state = start(r, event(i), `job_${i}`, { now: 1_000 });
  if (checkpoint) state = roundTrip(state);
  const first = await advance(r, state, { now: 1_001 });
  if (first.command.type !== 'invoke') throw new Error(`expected invoke, got ${first.command.type}: ${JSON.stringify(first.state.error)}`);
  state = checkpoint ? roundTrip(first.state) : first.state;
  const done = await advance(r, state, { now: 1_002, result: { ok: true, output: { status: 200, body: { ok: true } } } });
  if (done.command.type !== 'finish' || done.command.status !== 'succeeded') throw new Error('job did not succeed');
  if (checkpoint) roundTrip(done.state);
}

const percentile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

async function measure(v: (typeof variants)[number]) {
  for (let i = 0; i < WARMUP; i++) await runJob(v.recipe, i, v.checkpoint);
  const perJobNs = new Float64Array(JOBS);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < JOBS; i++) {
    const s = process.hrtime.bigint();
    await runJob(v.recipe, i, v.checkpoint);
    perJobNs[i] = Number(process.hrtime.bigint() - s);
  }
  const totalNs = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  perJobNs.sort();
  const usPerStep = (ns: number) => ns / 1_000 / STEPS_PER_JOB;
  return {
    variant: v.name,
    jobs: JOBS,
    stepsPerSecond: Math.round((JOBS * STEPS_PER_JOB) / (totalNs / 1e9)),
    jobsPerSecond: Math.round(JOBS / (totalNs / 1e9)),
    usPerStepMean: +usPerStep(totalNs / JOBS).toFixed(2),
    // CPU time (user + system, GC threads included) is steadier than wall time on a shared machine
    cpuUsPerStep: +((cpu.user + cpu.system) / (JOBS * STEPS_PER_JOB)).toFixed(2),
    usPerStepP50: +usPerStep(percentile(perJobNs, 0.5)).toFixed(2),
    usPerStepP99: +usPerStep(percentile(perJobNs, 0.99)).toFixed(2),
  };
}

async function main() {
  const results = [];
  for (const v of variants) results.push(await measure(v));
  console.table(results);
  const target = 20;
  const headline = results[0];
  console.log(
    `engine overhead (${headline.variant}): ${headline.usPerStepMean} µs/step mean (${headline.cpuUsPerStep} µs CPU), p50 ${headline.usPerStepP50} µs, p99 ${headline.usPerStepP99} µs (target ≤ ${target} µs)`,
  );
  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const out = { benchmark: 'engine', node: process.version, date: new Date().toISOString(), stepsPerJob: STEPS_PER_JOB, targetUsPerStep: target, results };
  writeFileSync(join(dir, 'engine.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${join(dir, 'engine.json')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
