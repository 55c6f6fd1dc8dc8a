/**
 * CPU per received message validated at a trust boundary (#19): `validatePayload` on the three
 * contracts every pipeline job's messages are checked against (the trigger event the executor
 * consumes, the invoke request the connectors service serves, the invoke answer the executor
 * reads), with the payloads bench/pipeline sends. Process CPU (user + system) per call: robust on a
 * loaded machine.
 *
 *   node -r @swc-node/register bench/validation/run.ts [calls=50000] [rounds=5]
 */
import { InvokeAction } from '@junction/connectors/contracts';
import { TriggerEventPayload } from '@junction/executor/contracts';
import { validatePayload, type Type } from '@junction/platform/ports';

const calls = Number(process.argv[2] ?? 50_000);
const rounds = Number(process.argv[3] ?? 5);

const body = { total: 12.5, customer: { name: 'Ann' }, currency: 'EUR', note: 'x'.repeat(200) };
const cases: [string, Type<object>, string][] = [
  [
    'trigger event (executor)',
    TriggerEventPayload,
    JSON.stringify({
      workspaceId: 'ws_0123456789abcdef',
      recipeId: 'rcp_0123456789abcdef',
      kind: 'webhook',
      dedupeKey: 'order-1234',
      dedupeSource: 'header',
      receivedAt: '2026-12-07T23:00:00.000Z',
      data: { headers: { 'content-type': 'application/json', 'x-id': 'order-1234' }, query: {}, body },
    }),
  ],
  [
    'invoke request (connectors)',
    InvokeAction.request,
    JSON.stringify({
      workspaceId: 'ws_0123456789abcdef',
      connector: 'http',
      action: 'request',
      input: { method: 'POST', url: 'http://127.0.0.1:5000/sink', body: { order: 'order-1234', total: 12.5, customer: 'Ann', currency: 'EUR' } },
      idempotencyKey: 'job_0123456789abcdef:post:1',
      jobId: 'job_0123456789abcdef',
      stepId: 'post',
      timeoutMs: 30_000,
    }),
  ],
  [
    'invoke answer (executor)',
    InvokeAction.response,
    JSON.stringify({ output: { status: 200, headers: { 'content-type': 'application/json' }, body: { ok: true } }, durationMs: 3 }),
  ],
];

const results: Record<string, string> = {};
for (const [name, cls, text] of cases) {
  for (let i = 0; i < 20_000; i++) validatePayload(cls, JSON.parse(text)); // warm up
  const perCall: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const plains = Array.from({ length: calls }, () => JSON.parse(text) as unknown); // parsing is not measured
    const start = process.cpuUsage();
    for (const plain of plains) validatePayload(cls, plain);
    const used = process.cpuUsage(start);
    perCall.push((used.user + used.system) / calls);
  }
  perCall.sort((a, b) => a - b);
  results[name] = `${perCall[Math.floor(perCall.length / 2)].toFixed(2)} µs (${perCall[0].toFixed(2)}–${perCall[perCall.length - 1].toFixed(2)})`;
}
process.stdout.write(`${JSON.stringify({ calls, rounds, cpuPerCall: results })}\n`);
