import { createHash, randomUUID } from 'node:crypto';
import { JsHeaders, StorageType, headers as natsHeaders, nanos, type JetStreamClient, type MsgHdrs, type ObjectStore } from 'nats';
import { InvalidMessageError, type Namespace } from '@junction/platform/ports';

/** Header naming the stored copy of a payload too large to travel in the message: `<bucket>/<object>`. */
export const CLAIM_HEADER = 'junction-claim';

/**
 * Default size above which a message body is stored instead of sent, bytes. Well under NATS's
 * 1 MiB `max_payload`, which also has to carry the headers; large messages slow every other
 * message on the same connection.
 */
export const DEFAULT_CLAIM_THRESHOLD_BYTES = 256 * 1024;

/** Where claims are kept and for how long. Request/reply claims are deleted once read; the TTL is their safety net. */
export interface ClaimScope {
  /** Logical bucket name (upper case); the namespace prefixes it. */
  readonly name: string;
  readonly ttlMs: number;
}

export const RPC_CLAIMS: ClaimScope = { name: 'CLAIMS_RPC', ttlMs: 3600_000 };

/** A claim that expired or was never written: the message cannot be read, now or later. */
export class ClaimMissingError extends InvalidMessageError {
  constructor(ref: string) {
    super('message', [{ path: '', message: `its stored payload ${ref} is gone (expired or never written)` }]);
  }
}

const EMPTY = new Uint8Array(0);

/** The object store's chunk size (the `nats` client's default, below `max_payload`). */
export const CLAIM_CHUNK_BYTES = 128 * 1024;

/** Chunks a claim write keeps unacknowledged at most: 1 MiB at a time. */
export const CLAIM_WINDOW_CHUNKS = 8;

/**
 * Writes `data` as object `name` of object-store `bucket` the way `ObjectStore.put` does (chunks on
 * `$O.<bucket>.C.<nuid>`, then the object's info, with its SHA-256 digest, rolled up on its meta
 * subject), so `get` reads it and checks it. Unlike `putBlob` it keeps at most `CLAIM_WINDOW_CHUNKS`
 * chunks unacknowledged: `putBlob` publishes all of them before awaiting any ack, each publish a copy
 * in the connection's outbound buffer and socket queue; and `put` with a stream of chunks copies each
 * one again to repack it. Here the chunks are views of `data`, published a window at a time. A failed
 * write leaves chunks without an object: nothing reads them and the bucket's TTL removes them.
 */
async function putWindowed(js: JetStreamClient, bucket: string, name: string, data: Uint8Array): Promise<void> {
  const nuid = randomUUID().replace(/-/g, '');
  const chunkSubject = `$O.${bucket}.C.${nuid}`;
  const sha = createHash('sha256');
  const inFlight: Promise<unknown>[] = [];
  let chunks = 0;
  try {
    for (let offset = 0; offset < data.length; offset += CLAIM_CHUNK_BYTES) {
      const chunk = data.subarray(offset, Math.min(offset + CLAIM_CHUNK_BYTES, data.length));
      sha.update(chunk);
      chunks++;
      if (inFlight.length === CLAIM_WINDOW_CHUNKS) await inFlight.shift();
      inFlight.push(js.publish(chunkSubject, chunk));
    }
    await Promise.all(inFlight);
  } catch (err) {
    await Promise.allSettled(inFlight);
    throw err;
  }
  const info = {
    name,
    description: '',
    options: { max_chunk_size: CLAIM_CHUNK_BYTES },
    bucket,
    nuid,
    size: data.length,
    chunks,
    mtime: new Date().toISOString(),
    digest: `SHA-256=${sha.digest('base64').replace(/\+/g, '-').replace(/\//g, '_')}`,
    deleted: false,
  };
  const h = natsHeaders();
  h.set(JsHeaders.RollupHdr, JsHeaders.RollupValueSubject);
  const metaSubject = `$O.${bucket}.M.${Buffer.from(name).toString('base64').replace(/\+/g, '-').replace(/\//g, '_')}`;
  await js.publish(metaSubject, new TextEncoder().encode(JSON.stringify(info)), { headers: h });
}

/**
 * Claim check for NATS messages: a body above the threshold goes to a JetStream object store
 * (chunked, file-backed, replicated like the streams) and the message carries only its name.
 * Both adapters use it, so request/reply and durable events alike stay small on the wire.
 */
export class ClaimCheck {
  private readonly stores = new Map<string, Promise<ObjectStore>>();

  constructor(
    private readonly js: JetStreamClient,
    private readonly ns: Namespace,
    readonly thresholdBytes: number,
    private readonly replicas: number,
  ) {}

  /** The body to send: `data` itself when small; otherwise stores it, names it in `headers` and returns an empty body. */
  async wrap(data: Uint8Array, headers: MsgHdrs, scope: ClaimScope): Promise<Uint8Array> {
    if (data.length <= this.thresholdBytes) return data;
    const bucket = this.ns.stream(scope.name);
    const name = randomUUID();
    await this.store(bucket, scope.ttlMs); // creates the bucket
    await putWindowed(this.js, bucket, name, data);
    headers.set(CLAIM_HEADER, `${bucket}/${name}`);
    return EMPTY;
  }

  /** The claim a message carries, if any. */
  refOf(headers: MsgHdrs | undefined): string | undefined {
    return headers?.get(CLAIM_HEADER) || undefined;
  }

  /** The message's real body: `data`, or the stored copy its header names. */
  async unwrap(data: Uint8Array, headers: MsgHdrs | undefined): Promise<Uint8Array> {
    const ref = this.refOf(headers);
    if (!ref) return data;
    const { bucket, name } = this.parse(ref);
    const found = await (await this.store(bucket)).get(name);
    if (!found) throw new ClaimMissingError(ref);
    // read straight into one buffer of the stored size: getBlob collects the chunks, then copies them
    const body = new Uint8Array(found.info.size);
    let offset = 0;
    const reader = found.data.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      if (offset + chunk.value.length > body.length) throw new ClaimMissingError(ref);
      body.set(chunk.value, offset);
      offset += chunk.value.length;
    }
    const failed = await found.error; // the object's digest, checked once every chunk arrived
    if (failed || offset !== body.length) throw failed ?? new ClaimMissingError(ref);
    return body;
  }

  /** Deletes a claim nobody will read again; failures only leave it to the bucket's TTL. */
  release(ref: string | undefined): void {
    if (!ref) return;
    const { bucket, name } = this.parse(ref);
    void this.store(bucket)
      .then((store) => store.delete(name))
      .catch(() => undefined);
  }

  /** Removes a scope's bucket and everything in it: used by tests to clean up after themselves. */
  async destroy(scope: ClaimScope): Promise<void> {
    const bucket = this.ns.stream(scope.name);
    this.stores.delete(bucket);
    const store = await this.js.views.os(bucket).catch(() => undefined);
    await store?.destroy().catch(() => false);
  }

  private parse(ref: string): { bucket: string; name: string } {
    const slash = ref.indexOf('/');
    const bucket = ref.slice(0, slash);
    // a header may only point into this deployment's own buckets
    if (slash < 1 || !bucket.startsWith(this.ns.stream('CLAIMS_'))) {
      throw new InvalidMessageError('message', [{ path: CLAIM_HEADER, message: `"${ref}" is not a claim of this deployment` }]);
    }
    return { bucket, name: ref.slice(slash + 1) };
  }

  private store(bucket: string, ttlMs?: number): Promise<ObjectStore> {
    let store = this.stores.get(bucket);
    if (!store) {
      store = this.js.views.os(bucket, {
        storage: StorageType.File,
        replicas: this.replicas,
        ...(ttlMs ? { ttl: nanos(ttlMs) } : {}),
      });
      store.catch(() => this.stores.delete(bucket));
      this.stores.set(bucket, store);
    }
    return store;
  }
}

/** The claim scope of a stream's messages: they are readable as long as the stream keeps them. */
export function streamClaims(streamName: string, maxAgeMs: number): ClaimScope {
  return { name: `CLAIMS_${streamName}`, ttlMs: maxAgeMs };
}
