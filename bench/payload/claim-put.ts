/**
 * Peak memory of one claim-check write and read of a large body, in a fresh process: the object-store
 * part of bench/payload on its own, without the services' noise.
 *
 *   node --expose-gc -r @swc-node/register bench/payload/claim-put.ts [windowed|blob] [megabytes=10]
 *
 * `windowed` is ClaimCheck.wrap (a window of chunks at a time); `blob` is the client's putBlob (every
 * chunk published at once), as ClaimCheck wrote before. Samples rss and arrayBuffers every millisecond
 * and prints their rise above the level before the write, for the put and then for the get (unwrap),
 * and the put's time.
 * Needs the local NATS.
 */
import { randomBytes } from 'node:crypto';
import { connect, headers } from 'nats';
import { Namespace } from '@junction/platform/ports';
import { CLAIM_HEADER, ClaimCheck, RPC_CLAIMS } from '../../libs/platform/nats/src/lib/claim-check';

const mode = process.argv[2] ?? 'windowed';
const megabytes = Number(process.argv[3] ?? 10);
const MB = 1024 * 1024;

async function peak<T>(work: () => Promise<T>): Promise<{ result: T; rss: number; ab: number }> {
  const before = process.memoryUsage();
  let rss = before.rss;
  let ab = before.arrayBuffers;
  const timer = setInterval(() => {
    const now = process.memoryUsage();
    rss = Math.max(rss, now.rss);
    ab = Math.max(ab, now.arrayBuffers);
  }, 1);
  const result = await work();
  clearInterval(timer);
  const after = process.memoryUsage();
  return { result, rss: (Math.max(rss, after.rss) - before.rss) / MB, ab: (Math.max(ab, after.arrayBuffers) - before.arrayBuffers) / MB };
}

void (async () => {
  const nc = await connect({ servers: process.env['NATS_URL'] ?? 'localhost:4222' });
  const ns = new Namespace(`claimbench${process.pid}`);
  const claims = new ClaimCheck(nc.jetstream(), ns, 256 * 1024, 1);
  await claims.wrap(new Uint8Array(300 * 1024), headers(), RPC_CLAIMS); // create the bucket, warm the code
  const data = new Uint8Array(randomBytes(megabytes * MB));
  global.gc?.();
  const h = headers();
  const started = performance.now();
  const put = await peak(async () => {
    if (mode === 'blob') {
      const store = await nc.jetstream().views.os(ns.stream(RPC_CLAIMS.name));
      await store.putBlob({ name: 'blob' }, data);
      h.set(CLAIM_HEADER, `${ns.stream(RPC_CLAIMS.name)}/blob`);
    } else {
      await claims.wrap(data, h, RPC_CLAIMS);
    }
  });
  const putMs = performance.now() - started;
  global.gc?.();
  const get = await peak(() => claims.unwrap(new Uint8Array(0), h));
  if (!Buffer.from(get.result).equals(Buffer.from(data))) throw new Error('read back different bytes');
  const round = (n: number): number => Math.round(n * 10) / 10;
  console.log(
    JSON.stringify({
      mode,
      megabytes,
      putMs: Math.round(putMs),
      putRssMB: round(put.rss),
      putArrayBuffersMB: round(put.ab),
      getRssMB: round(get.rss),
      getArrayBuffersMB: round(get.ab),
    }),
  );
  await claims.destroy(RPC_CLAIMS);
  await nc.close();
})();
