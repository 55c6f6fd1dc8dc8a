/**
 * A large payload through a 3-step recipe (webhook → set → HTTP POST of the whole body → set),
 * every service a real process. Measures, per service, how far resident memory rose above its
 * level just before the delivery (peak RSS, VmHWM, reset per run) against the payload's size,
 * and the time from the 202 to the sink having the whole body.
 *
 *   node -r @swc-node/register bench/payload/run.ts [megabytes=10] [shapes=records,blob] [repeats=3]
 *
 * Shapes: `records` is a JSON array of ~100-byte objects (an export, a batch sync), `blob` one
 * large string field (a base64 document). Prints a table and writes bench/results/payload.json.
 * Needs `npm run build` and the local Postgres, Redis and NATS.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Client } from 'pg';
import { Cluster } from '../../e2e/cluster/src/cluster-harness';

const megabytes = Number(process.argv[2] ?? 10);
const shapes = (process.argv[3] ?? 'records,blob').split(',') as Shape[];
const repeats = Number(process.argv[4] ?? 3);
type Shape = 'records' | 'blob';

/** A JSON body of about `bytes` bytes. */
function payload(shape: Shape, bytes: number, tag: string): string {
  if (shape === 'blob') return JSON.stringify({ tag, document: 'QmFzZTY0'.repeat(Math.ceil(bytes / 8)).slice(0, bytes) });
  const rows: { n: number; sku: string; qty: number; note: string }[] = [];
  for (let n = 0, size = 0; size < bytes; n++) {
    const row = { n, sku: `sku-${n % 5000}`, qty: n % 17, note: `line ${n} `.padEnd(48, '.') };
    size += 100;
    rows.push(row);
  }
  return JSON.stringify({ tag, rows });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** kB fields of /proc/<pid>/status. */
function memoryKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Number(line?.split(/\s+/)[1] ?? NaN);
}

/** Sets the peak (VmHWM) back to the current RSS, so the next reading is this run's peak. */
function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

async function main(): Promise<void> {
  let received = 0;
  let bodies = 0;
  const sink = createServer((req, res) => {
    req.on('data', (c: Buffer) => (received += c.length));
    req.on('end', () => {
      bodies++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as { port: number }).port}/upload`;

  const cluster = await new Cluster(undefined, { HTTP_ACCESS_LOG: 'false', HOOK_BODY_LIMIT_BYTES: String(64 * 1024 * 1024) }).start(['gateway', 'auth', 'connectors', 'executor']);
  const rows: Record<string, unknown>[] = [];
  try {
    const recipe = await cluster.call<{ id: string }>('POST', '/v1/recipes', {
      name: 'bench: large payload',
      trigger: { type: 'webhook', dedupeHeader: 'x-id' },
      steps: [
        { id: 'describe', set: { tag: '{{ trigger.body.tag }}' } },
        { id: 'post', action: 'http.request', input: { method: 'POST', url: sinkUrl, body: { json: '{{ trigger.body }}' } } },
        { id: 'done', set: { status: '{{ steps.post.status }}' } },
      ],
    });
    if (recipe.status !== 201) throw new Error(`recipe: ${recipe.status} ${JSON.stringify(recipe.body)}`);
    const hook = await cluster.startHook(recipe.body.id);
    const services = [...cluster.services.entries()].map(([name, s]) => ({ name, pid: s.child.pid ?? 0 }));

    const deliver = async (id: string, body: string): Promise<number> => {
      const before = bodies;
      const res = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json', 'x-id': id }, body });
      if (res.status !== 202) throw new Error(`delivery ${id}: ${res.status} ${await res.text()}`);
      const accepted = performance.now();
      while (bodies === before) {
        if (performance.now() - accepted > 120_000) throw new Error(`delivery ${id} did not reach the sink`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return performance.now() - accepted;
    };

    // warm-up with a payload just above the claim threshold: code paths, pools and buckets exist
    for (const shape of shapes) await deliver(`warm-${shape}`, payload(shape, 400 * 1024, 'warm'));

    for (const shape of shapes) {
      const body = payload(shape, megabytes * 1024 * 1024, shape);
      const bytes = Buffer.byteLength(body);
      // each delivery is measured on its own; the table shows the median (GC timing moves single runs a lot)
      const rises = new Map<string, number[]>(services.map((s) => [s.name, []]));
      const times: number[] = [];
      const baselines = new Map<string, number>();
      for (let r = 0; r < repeats; r++) {
        await new Promise((done) => setTimeout(done, 1000)); // let the previous delivery's garbage go
        const baseline = new Map(services.map((s) => [s.name, memoryKb(s.pid, 'VmRSS')]));
        if (r === 0) baseline.forEach((kb, name) => baselines.set(name, kb));
        services.forEach((s) => resetPeak(s.pid));
        received = 0;
        times.push(await deliver(`big-${shape}-${r}`, body));
        if (received < bytes) throw new Error(`sink got ${received} of ${bytes} bytes`);
        // the job's last checkpoint (after the POST) is part of the delivery: wait until it is committed
        const db = new Client({ connectionString: cluster.databaseUrl('executor') });
        await db.connect();
        try {
          for (const since = performance.now(); performance.now() - since < 60_000; await new Promise((done) => setTimeout(done, 50))) {
            const last = await db.query<{ status: string }>(`SELECT status FROM jobs ORDER BY id DESC LIMIT 1`);
            if (last.rows[0]?.status === 'succeeded') break;
          }
        } finally {
          await db.end();
        }
        await new Promise((done) => setTimeout(done, 200));
        for (const s of services) rises.get(s.name)?.push(memoryKb(s.pid, 'VmHWM') - (baseline.get(s.name) ?? 0));
      }
      // what Postgres keeps of this shape's last job (the newest id): its trigger and its step rows' inputs, as JSON text
      const db = new Client({ connectionString: cluster.databaseUrl('executor') });
      await db.connect();
      const stored = await db
        .query<{ trigger: string; inputs: string }>(
          `SELECT octet_length(j.trigger::text)::bigint AS trigger, (SELECT coalesce(sum(octet_length(s.input::text)), 0) FROM job_steps s WHERE s.job_id = j.id)::bigint AS inputs
             FROM jobs j ORDER BY j.id DESC LIMIT 1`,
        )
        .finally(() => db.end());
      const pgTriggerMB = +(Number(stored.rows[0]?.trigger ?? NaN) / 1048576).toFixed(2);
      const pgStepInputsKB = +(Number(stored.rows[0]?.inputs ?? NaN) / 1024).toFixed(1);
      for (const s of services) {
        const riseKb = median(rises.get(s.name) ?? []);
        rows.push({
          shape,
          service: s.name,
          payloadMB: +(bytes / 1048576).toFixed(2),
          baselineMB: +((baselines.get(s.name) ?? 0) / 1024).toFixed(1),
          peakRiseMB: +(riseKb / 1024).toFixed(1),
          ratio: +((riseKb * 1024) / bytes).toFixed(2),
          ratios: (rises.get(s.name) ?? []).map((kb) => +((kb * 1024) / bytes).toFixed(2)).join(' '),
          acceptToSinkMs: Math.round(median(times)),
          pgTriggerMB,
          pgStepInputsKB,
        });
      }
    }
  } finally {
    await cluster.stop();
    sink.close();
  }

  console.table(rows);
  const out = join(__dirname, '../results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'payload.json'), `${JSON.stringify({ megabytes, goal: 'peak memory rise ≤ 3× the payload per process', rows }, null, 2)}\n`);
  process.stdout.write('wrote bench/results/payload.json\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
