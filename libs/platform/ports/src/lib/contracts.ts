import type { Type } from './validation';

/**
 * A request/reply contract: one subject, one request class, one response class, each validated
 * with class-validator by the side that receives it. Subjects are `<domain>.<verb>.v1`.
 */
export interface RpcContract<Req extends object, Res extends object> {
  readonly kind: 'rpc';
  readonly subject: string;
  readonly request: Type<Req>;
  readonly response: Type<Res>;
  /** Default deadline for a call, ms. */
  readonly timeoutMs: number;
}

/** A durable event/command carried by a stream: `<domain>.<entity>.<past-tense>.v1` for events. */
export interface EventContract<T extends object> {
  readonly kind: 'event';
  readonly subject: string;
  readonly payload: Type<T>;
  readonly stream: StreamDefinition;
}

/**
 * A fire-and-forget notice on core NATS (no stream, no reply): every listening process gets it
 * once if connected, and none gets it otherwise. For hints such as "drop your cached copy", whose
 * loss a listener must tolerate (a short cache lifetime), never for work that must happen.
 */
export interface SignalContract<T extends object> {
  readonly kind: 'signal';
  readonly subject: string;
  readonly payload: Type<T>;
}

export interface StreamDefinition {
  /** Logical name, upper case (`EVENTS`); the adapter prefixes it with the deployment namespace. */
  readonly name: string;
  /** Subject patterns captured by the stream, without namespace (`executor.trigger.>`). */
  readonly subjects: string[];
  /** Publish dedupe window for `Nats-Msg-Id`, ms. JetStream's default is 2 minutes. */
  readonly duplicateWindowMs?: number;
  /** Messages older than this are discarded, ms; 0 keeps them until consumed and limits allow. */
  readonly maxAgeMs?: number;
}

const SUBJECT_RE = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9_-]*)+\.v[0-9]+$/;

function checkSubject(subject: string): void {
  if (!SUBJECT_RE.test(subject)) {
    throw new Error(`subject "${subject}" must look like <domain>.<verb>.v1 or <domain>.<entity>.<past-tense>.v1`);
  }
}

export function defineRpc<Req extends object, Res extends object>(
  subject: string,
  request: Type<Req>,
  response: Type<Res>,
  options: { timeoutMs?: number } = {},
): RpcContract<Req, Res> {
  checkSubject(subject);
  return { kind: 'rpc', subject, request, response, timeoutMs: options.timeoutMs ?? 5000 };
}

export function defineStream(definition: StreamDefinition): StreamDefinition {
  if (!/^[A-Z][A-Z0-9_]*$/.test(definition.name)) throw new Error(`stream name "${definition.name}" must be UPPER_SNAKE`);
  return definition;
}

export function defineEvent<T extends object>(subject: string, payload: Type<T>, stream: StreamDefinition): EventContract<T> {
  checkSubject(subject);
  const covered = stream.subjects.some((pattern) => subjectMatches(pattern, subject));
  if (!covered) throw new Error(`subject "${subject}" is not captured by stream ${stream.name}`);
  return { kind: 'event', subject, payload, stream };
}

export function defineSignal<T extends object>(subject: string, payload: Type<T>): SignalContract<T> {
  checkSubject(subject);
  return { kind: 'signal', subject, payload };
}

/** NATS wildcard match: `*` one token, `>` one or more trailing tokens. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
