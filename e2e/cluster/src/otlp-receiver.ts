import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One exported span, as the receiver read it (ids in hex, attributes flattened). */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind number: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startNs: bigint;
  service: string;
  attributes: Record<string, unknown>;
  /** Status code (0 unset, 1 ok, 2 error) and message. */
  status: { code: number; message?: string };
}

/**
 * An OTLP/HTTP trace receiver of a test's own on 127.0.0.1: `POST /v1/traces` in `http/json` or
 * `http/protobuf` (decoded here: the installed OpenTelemetry packages serialize requests but do
 * not read them). It keeps every span and every raw body, so a test can assert on both the trace
 * and on what left the processes byte for byte.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** Each request's body as text (protobuf's strings are readable in it too): for secret sweeps. */
  readonly bodies: string[] = [];
  readonly contentTypes = new Set<string>();
  private server?: Server;
  private base = '';

  get url(): string {
    return this.base;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.receive(req).then(
        (contentType) => {
          if (contentType === 'protobuf') res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
          else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        },
        (error: unknown) => res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error)),
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', () => resolve()));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** The spans of one trace. */
  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  private async receive(req: IncomingMessage): Promise<'json' | 'protobuf'> {
    if (req.method !== 'POST' || req.url !== '/v1/traces') throw new Error(`unexpected ${req.method} ${req.url}`);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const type = String(req.headers['content-type'] ?? '');
    this.contentTypes.add(type);
    this.bodies.push(body.toString('utf8'));
    if (type.startsWith('application/json')) {
      this.spans.push(...fromJson(JSON.parse(body.toString('utf8')) as JsonRequest));
      return 'json';
    }
    if (type.startsWith('application/x-protobuf')) {
      this.spans.push(...fromProtobuf(body));
      return 'protobuf';
    }
    throw new Error(`unexpected content type ${type}`);
  }
}

/** The spans of a trace as an indented tree (children under their parent, by start time): `name  service  kind`. */
export function spanTree(spans: ReceivedSpan[]): string {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, ReceivedSpan[]>();
  for (const span of spans) {
    const parent = ids.has(span.parentSpanId) ? span.parentSpanId : '';
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const lines: string[] = [];
  const walk = (parent: string, depth: number) => {
    for (const span of (children.get(parent) ?? []).sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0))) {
      lines.push(`${'  '.repeat(depth)}${span.name}  [${span.service.replace(/^junction-/, '')}, ${KIND_NAMES[span.kind] ?? span.kind}${span.status.code === 2 ? ', error' : ''}]`);
      walk(span.spanId, depth + 1);
    }
  };
  walk('', 0);
  return lines.join('\n');
}

const KIND_NAMES: Record<number, string> = { 0: 'unspecified', 1: 'internal', 2: 'server', 3: 'client', 4: 'producer', 5: 'consumer' };

interface JsonKeyValue {
  key: string;
  value: JsonAnyValue;
}
interface JsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: JsonAnyValue[] };
}
interface JsonRequest {
  resourceSpans?: {
    resource?: { attributes?: JsonKeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind?: number;
        startTimeUnixNano: string | number;
        attributes?: JsonKeyValue[];
        status?: { code?: number; message?: string };
      }[];
    }[];
  }[];
}

function jsonValue(value: JsonAnyValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(jsonValue);
  return undefined;
}

function jsonAttributes(list: JsonKeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, jsonValue(kv.value)]));
}

function fromJson(request: JsonRequest): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap((rs) => {
    const service = String(jsonAttributes(rs.resource?.attributes)['service.name'] ?? '');
    return (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((s) => ({
        traceId: s.traceId,
        spanId: s.spanId,
        parentSpanId: s.parentSpanId ?? '',
        name: s.name,
        kind: s.kind ?? 0,
        startNs: BigInt(s.startTimeUnixNano),
        service,
        attributes: jsonAttributes(s.attributes),
        status: { code: s.status?.code ?? 0, ...(s.status?.message ? { message: s.status.message } : {}) },
      })),
    );
  });
}

// --- protobuf (opentelemetry/proto/collector/trace/v1 ExportTraceServiceRequest), read field by field

type Field = { no: number; wire: number; value: bigint | Buffer };

function* fields(buf: Buffer): Generator<Field> {
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buf[pos++];
      if (byte === undefined) throw new Error('truncated protobuf varint');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { no, wire, value: varint() };
    else if (wire === 1) {
      yield { no, wire, value: buf.readBigUInt64LE(pos) };
      pos += 8;
    } else if (wire === 2) {
      const length = Number(varint());
      yield { no, wire, value: buf.subarray(pos, pos + length) };
      pos += length;
    } else if (wire === 5) {
      yield { no, wire, value: BigInt(buf.readUInt32LE(pos)) };
      pos += 4;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
}

const bytesOf = (f: Field): Buffer => f.value as Buffer;
const textOf = (f: Field): string => bytesOf(f).toString('utf8');

function protoValue(buf: Buffer): unknown {
  for (const f of fields(buf)) {
    if (f.no === 1) return textOf(f);
    if (f.no === 2) return f.value === 1n;
    if (f.no === 3) return Number(BigInt.asIntN(64, f.value as bigint));
    if (f.no === 4) return (f.value as bigint) === 0n ? 0 : Buffer.from(new BigUint64Array([f.value as bigint]).buffer).readDoubleLE(0);
    if (f.no === 5) return [...fields(bytesOf(f))].filter((v) => v.no === 1).map((v) => protoValue(bytesOf(v)));
  }
  return undefined;
}

function protoKeyValue(buf: Buffer): [string, unknown] {
  let key = '';
  let value: unknown;
  for (const f of fields(buf)) {
    if (f.no === 1) key = textOf(f);
    if (f.no === 2) value = protoValue(bytesOf(f));
  }
  return [key, value];
}

function protoSpan(buf: Buffer, service: string): ReceivedSpan {
  const span: ReceivedSpan = { traceId: '', spanId: '', parentSpanId: '', name: '', kind: 0, startNs: 0n, service, attributes: {}, status: { code: 0 } };
  for (const f of fields(buf)) {
    if (f.no === 1) span.traceId = bytesOf(f).toString('hex');
    else if (f.no === 2) span.spanId = bytesOf(f).toString('hex');
    else if (f.no === 4) span.parentSpanId = bytesOf(f).toString('hex');
    else if (f.no === 5) span.name = textOf(f);
    else if (f.no === 6) span.kind = Number(f.value);
    else if (f.no === 7) span.startNs = f.value as bigint;
    else if (f.no === 9) {
      const [key, value] = protoKeyValue(bytesOf(f));
      span.attributes[key] = value;
    } else if (f.no === 15) {
      for (const s of fields(bytesOf(f))) {
        if (s.no === 2) span.status.message = textOf(s);
        if (s.no === 3) span.status.code = Number(s.value);
      }
    }
  }
  return span;
}

function fromProtobuf(body: Buffer): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of fields(body)) {
    if (resourceSpans.no !== 1) continue;
    let service = '';
    const scopeSpans: Buffer[] = [];
    for (const f of fields(bytesOf(resourceSpans))) {
      if (f.no === 1) {
        for (const attribute of fields(bytesOf(f))) {
          if (attribute.no !== 1) continue;
          const [key, value] = protoKeyValue(bytesOf(attribute));
          if (key === 'service.name') service = String(value);
        }
      } else if (f.no === 2) scopeSpans.push(bytesOf(f));
    }
    for (const scope of scopeSpans) for (const f of fields(scope)) if (f.no === 2) spans.push(protoSpan(bytesOf(f), service));
  }
  return spans;
}
