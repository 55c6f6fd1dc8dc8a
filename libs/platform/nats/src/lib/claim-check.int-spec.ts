import { Allow, IsString } from 'class-validator';
import { connect, headers as natsHeaders, type Msg, type NatsConnection } from 'nats';
import pino from 'pino';
import { ServiceMetrics } from '@junction/platform/metrics';
import { Namespace, defineEvent, defineRpc, defineStream, type Closable } from '@junction/platform/ports';
import { TEST_SERVERS, uniqueNamespace, waitFor } from '@junction/shared/testing';
import { randomBytes } from 'node:crypto';
import { CLAIM_CHUNK_BYTES, CLAIM_HEADER, CLAIM_WINDOW_CHUNKS, ClaimCheck, RPC_CLAIMS, streamClaims } from './claim-check';
import { JetStreamQueue } from './jetstream-queue';
import { NatsMessageBus } from './nats-message-bus';

class Blob {
  @IsString()
  id: string;

  @Allow()
  rows: unknown;
}

const Echo = defineRpc('claims.echo.v1', Blob, Blob, { timeoutMs: 5000 });
const Shrink = defineRpc('claims.shrink.v1', Blob, Blob, { timeoutMs: 5000 });
const Grow = defineRpc('claims.grow.v1', Blob, Blob, { timeoutMs: 5000 });
const Uploads = defineStream({ name: 'UPLOADS', subjects: ['claims.upload.>'], duplicateWindowMs: 60_000, maxAgeMs: 3600_000 });
const Uploaded = defineEvent('claims.upload.received.v1', Blob, Uploads);

const THRESHOLD = 64 * 1024;

/** ~2.4 MB of JSON: far above the claim threshold and above NATS's 1 MiB max_payload. */
function bigRows(tag: string): { n: number; tag: string; text: string }[] {
  return Array.from({ length: 20_000 }, (_, n) => ({ n, tag, text: `row ${n} of ${tag} `.padEnd(90, '.') }));
}

describe('claim check (real NATS JetStream object store)', () => {
  let nc: NatsConnection;
  let ns: Namespace;
  let claims: ClaimCheck;
  let bus: NatsMessageBus;
  let queue: JetStreamQueue;
  const wire: Msg[] = [];
  const open: Closable[] = [];

  async function objectsIn(bucket: string): Promise<number> {
    const store = await nc.jetstream().views.os(ns.stream(bucket));
    return (await store.list()).length;
  }

  beforeAll(async () => {
    nc = await connect({ servers: TEST_SERVERS.nats });
    ns = new Namespace(uniqueNamespace('claim'));
    const logger = pino({ level: 'silent' });
    const metrics = new ServiceMetrics('test');
    claims = new ClaimCheck(nc.jetstream(), ns, THRESHOLD, 1);
    bus = new NatsMessageBus(nc, ns, logger, metrics, 5000, claims);
    queue = new JetStreamQueue(nc, await nc.jetstreamManager(), nc.jetstream(), ns, logger, metrics, 1, claims);
    // a plain subscriber sees every message on the wire, as sent
    const spy = nc.subscribe(ns.subject('claims.>'));
    void (async () => {
      for await (const m of spy) wire.push(m);
    })();
    open.push(spy as unknown as Closable);
    open.push(await bus.serve(Echo, async (req) => req));
    open.push(await bus.serve(Shrink, async (req) => ({ id: req.id, rows: (req.rows as unknown[]).length })));
    open.push(await bus.serve(Grow, async (req) => ({ id: req.id, rows: bigRows(req.id) })));
    await nc.flush();
  });

  afterAll(async () => {
    for (const c of open) await c.close();
    await queue.deleteStream(Uploads);
    await claims.destroy(RPC_CLAIMS);
    await nc.drain();
  });

  it('sends a large request and a large reply by reference, intact, and deletes both stored copies', async () => {
    const rows = bigRows('echo');
    const answer = await bus.request(Echo, { id: 'e1', rows });
    expect(answer).toEqual({ id: 'e1', rows });

    const request = wire.find((m) => m.subject === ns.subject(Echo.subject));
    expect(request?.headers?.get(CLAIM_HEADER)).toMatch(new RegExp(`^${ns.stream('CLAIMS_RPC')}/`));
    expect(request?.data.length).toBe(0); // nothing of the 2.4 MB went through the message itself
    await waitFor(async () => (await objectsIn('CLAIMS_RPC')) === 0);
  });

  it('claims only the side that is large', async () => {
    expect(await bus.request(Shrink, { id: 's1', rows: bigRows('s') })).toEqual({ id: 's1', rows: 20_000 });
    expect(await bus.request(Grow, { id: 'g1', rows: null })).toEqual({ id: 'g1', rows: bigRows('g1') });
    const small = wire.find((m) => m.subject === ns.subject(Grow.subject));
    expect(small?.headers?.get(CLAIM_HEADER) ?? '').toBe('');
    expect(small?.data.length).toBeGreaterThan(0);
    await waitFor(async () => (await objectsIn('CLAIMS_RPC')) === 0);
  });

  it('publishes a large event by reference; the consumer reads it whole; a duplicate publish stores nothing more', async () => {
    const rows = bigRows('up');
    const first = await queue.publish(Uploaded, { id: 'u1', rows }, { msgId: 'upload-u1' });
    const again = await queue.publish(Uploaded, { id: 'u1', rows }, { msgId: 'upload-u1' });
    expect(again.duplicate).toBe(true);
    expect(again.sequence).toBe(first.sequence);

    const stored = await (await nc.jetstreamManager()).streams.getMessage(ns.stream(Uploads.name), { seq: first.sequence });
    expect(stored.data.length).toBe(0);
    expect(stored.header.get(CLAIM_HEADER)).toMatch(new RegExp(`^${ns.stream('CLAIMS_UPLOADS')}/`));
    // the duplicate's own copy is deleted; the stream's copy stays for as long as the stream keeps the message
    await waitFor(async () => (await objectsIn(streamClaims('UPLOADS', 1).name)) === 1);

    const received: Blob[] = [];
    open.push(await queue.consume(Uploaded, async (payload) => void received.push(payload), { durable: 'claims-reader' }));
    await waitFor(() => received.length === 1);
    expect(received[0]).toEqual({ id: 'u1', rows });
  });

  it('drops an event whose stored payload is gone instead of redelivering it forever', async () => {
    const h = natsHeaders();
    h.set(CLAIM_HEADER, `${ns.stream('CLAIMS_UPLOADS')}/no-such-object`);
    await nc.jetstream().publish(ns.subject('claims.upload.received.v1'), new Uint8Array(0), { headers: h });
    const good = await queue.publish(Uploaded, { id: 'after', rows: [] });
    const seen: string[] = [];
    open.push(await queue.consume(Uploaded, async (p) => void seen.push(p.id), { durable: 'claims-gone', maxDeliver: 5 }));
    await waitFor(() => seen.includes('after'));
    const info = await (await nc.jetstreamManager()).consumers.info(ns.stream(Uploads.name), ns.consumer('claims-gone'));
    expect(info.ack_floor.stream_seq).toBeGreaterThanOrEqual(good.sequence); // the broken one was terminated, not left pending
    expect(info.num_redelivered).toBe(0);
  });

  it('refuses a claim header pointing outside its own deployment', async () => {
    const h = natsHeaders();
    h.set(CLAIM_HEADER, 'OTHER_CLAIMS_RPC/whatever');
    const reply = await nc.request(ns.subject(Echo.subject), new Uint8Array(0), { headers: h, timeout: 2000 });
    const envelope = JSON.parse(new TextDecoder().decode(reply.data)) as { ok: boolean; error: { code: string; message: string } };
    expect(envelope).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(envelope.error.message).toContain('not a claim of this deployment');
  });

  it('answers invalid_request when a request claim is gone', async () => {
    const h = natsHeaders();
    h.set(CLAIM_HEADER, `${ns.stream('CLAIMS_RPC')}/gone`);
    const reply = await nc.request(ns.subject(Echo.subject), new Uint8Array(0), { headers: h, timeout: 2000 });
    const envelope = JSON.parse(new TextDecoder().decode(reply.data)) as { ok: boolean; error: { code: string } };
    expect(envelope).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it('writes a large body a window at a time, every byte in order: the stored object matches its digest and reads back whole', async () => {
    // random bytes (a shifted or dropped chunk cannot look right), several windows, a partial last chunk
    const size = 3 * CLAIM_WINDOW_CHUNKS * CLAIM_CHUNK_BYTES + 12_345;
    const data = new Uint8Array(randomBytes(size));
    // count the chunk publishes waiting for their ack
    const js = nc.jetstream();
    const publish = js.publish.bind(js);
    let waiting = 0;
    let mostWaiting = 0;
    js.publish = async (...args: Parameters<typeof publish>) => {
      mostWaiting = Math.max(mostWaiting, ++waiting);
      try {
        return await publish(...args);
      } finally {
        waiting--;
      }
    };
    const h = natsHeaders();
    expect((await new ClaimCheck(js, ns, THRESHOLD, 1).wrap(data, h, RPC_CLAIMS)).length).toBe(0);
    expect(mostWaiting).toBe(CLAIM_WINDOW_CHUNKS); // a window at a time, not every chunk at once
    const ref = claims.refOf(h) ?? '';
    const [bucket, name] = ref.split('/');

    const store = await nc.jetstream().views.os(bucket);
    const info = await store.info(name);
    expect(info).toMatchObject({ size, chunks: Math.ceil(size / CLAIM_CHUNK_BYTES) });
    // the client's own read checks the SHA-256 digest recorded at the end of the write
    expect(Buffer.from((await store.getBlob(name)) ?? []).equals(Buffer.from(data))).toBe(true);

    // and another connection's claim check reads the same bytes
    const other = await connect({ servers: TEST_SERVERS.nats });
    try {
      const read = await new ClaimCheck(other.jetstream(), ns, THRESHOLD, 1).unwrap(new Uint8Array(0), h);
      expect(Buffer.from(read).equals(Buffer.from(data))).toBe(true);
    } finally {
      await other.close();
    }
    claims.release(ref);
    await waitFor(async () => (await objectsIn('CLAIMS_RPC')) === 0);
  });
});
