/**
 * CPU per NATS request/reply and per JetStream publish through the platform's NatsMessageBus and
 * JetStreamQueue (#19): caller and server on two connections in this process, `concurrency` calls
 * in flight, process CPU (user + system) and write syscalls per operation. Robust on a loaded machine (CPU time, not
 * wall time).
 *
 *   node -r @swc-node/register bench/nats-mux/run.ts [operations=20000] [concurrency=64]
 */
import { IsInt } from 'class-validator';
import { connect, type NatsConnection } from 'nats';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { ServiceMetrics } from '@junction/platform/metrics';
import * as nats from '@junction/platform/nats';
import { Namespace, defineEvent, defineRpc, defineStream } from '@junction/platform/ports';

class Num {
  @IsInt()
  n!: number;
}
const Echo = defineRpc('bench.echo.v1', Num, Num, { timeoutMs: 5000 });
// answered after the server's own I/O, as the connectors service answers after the third party's reply
const EchoAfterIo = defineRpc('bench.echo-io.v1', Num, Num, { timeoutMs: 5000 });
const stream = defineStream({ name: 'BENCH_MUX', subjects: ['bench.mux.>'], maxAgeMs: 300_000 });
const Event = defineEvent('bench.mux.event.v1', Num, stream);

const operations = Number(process.argv[2] ?? 20_000);
const concurrency = Number(process.argv[3] ?? 64);
const logger = pino({ level: 'silent' });

async function open(): Promise<NatsConnection> {
  // as the services connect (NatsModule)
  return connect({ servers: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222', noAsyncTraces: true });
}

/** Write syscalls of this process so far (Linux). */
const writes = () => Number(/syscw:\s*(\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? 0);

async function cpuPerOp(op: (i: number) => Promise<unknown>): Promise<string> {
  let next = 0;
  const w = writes();
  const start = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < operations) await op(next++);
    }),
  );
  const used = process.cpuUsage(start);
  return `${((used.user + used.system) / 1000 / operations).toFixed(4)} ms, ${((writes() - w) / operations).toFixed(2)} writes`;
}

async function main(): Promise<void> {
  const ns = new Namespace(`benchmux${process.pid}`);
  const [a, b] = [await open(), await open()];
  const caller = new nats.NatsMessageBus(a, ns, logger, new ServiceMetrics('bench'), 5000);
  const server = new nats.NatsMessageBus(b, ns, logger, new ServiceMetrics('bench'), 5000);
  await server.serve(Echo, async (req) => ({ n: req.n }));
  // each answer resumes in its own macrotask (a setImmediate stands in for an I/O callback of its own)
  await server.serve(EchoAfterIo, async (req) => {
    await new Promise((resolve) => setImmediate(resolve));
    return { n: req.n };
  });
  const queue = new nats.JetStreamQueue(a, await a.jetstreamManager(), a.jetstream(), ns, logger, new ServiceMetrics('bench'), 1);
  await queue.ensureStream(stream);
  // warm up
  for (let i = 0; i < 500; i++) await caller.request(Echo, { n: i });
  for (let i = 0; i < 500; i++) await queue.publish(Event, { n: i });
  for (let i = 0; i < 500; i++) await caller.request(EchoAfterIo, { n: i });
  const request = await cpuPerOp((i) => caller.request(Echo, { n: i }));
  const requestAfterIo = await cpuPerOp((i) => caller.request(EchoAfterIo, { n: i }));
  const publish = await cpuPerOp((i) => queue.publish(Event, { n: i }));
  process.stdout.write(`${JSON.stringify({ requestCpuMs: request, requestAfterIoCpuMs: requestAfterIo, publishCpuMs: publish, operations, concurrency })}\n`);
  await queue.deleteStream(stream);
  await Promise.all([a.drain(), b.drain()]);
}

void main();
