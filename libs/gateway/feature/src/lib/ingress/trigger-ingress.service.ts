import { Inject, Injectable, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { VerifyWebhook } from '@junction/connectors/contracts';
import { HookChanged, ResolveTrigger, TriggerReceived, type TriggerKind, type TriggerTarget } from '@junction/executor/contracts';
import type { Logger } from 'pino';
import { ProblemException, Problems } from '@junction/platform/http';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { DURABLE_QUEUE, MESSAGE_BUS, RemoteError, SIGNAL_BUS, type Closable, type DurableQueue, type MessageBus, type SignalBus } from '@junction/platform/ports';
import { SERVICE_ENV } from '@junction/platform/service';
import { IngressBackpressure } from './ingress-backpressure';
import { PublishTurn } from './publish-turn';
import { mayHoldNul, nulPath } from './storable-json';
import { apiRunDedupe, streamMsgId, webhookDedupe, type DedupeChoice } from './webhook-dedupe';

export interface InboundDelivery {
  rawBody: Buffer;
  /** Lower-case names. */
  headers: Record<string, string>;
  query: Record<string, string>;
  contentType: string;
  receivedAtMs: number;
}

export interface Accepted {
  recipeId: string;
  dedupeKey: string;
  /** True when this delivery was seen before (within the stream's window): stored once. */
  duplicate: boolean;
}

// never copied into trigger data (and so never into job history)
const DROPPED_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization', 'x-api-key']);

const SIGNATURE_ALGORITHMS: Record<string, string> = { 'hmac-sha256': 'sha256', 'hmac-sha512': 'sha512', 'hmac-sha1': 'sha1' };

/**
 * How long a hook's lookup (found or not) is reused without asking the executor again, ms. A busy
 * hook costs one lookup a second instead of one per delivery. The executor's HookChanged signal
 * drops an entry as soon as its recipe starts or stops; this lifetime only bounds how long a
 * gateway that missed the signal (disconnected from NATS at the time) answers from a stale entry.
 */
const DEFAULT_HOOK_CACHE_TTL_MS = 1000;
const HOOK_CACHE_MAX = 10_000;

/** The part of the gateway's environment read here. */
export interface HookCacheEnv {
  HOOK_CACHE_TTL_MS?: number;
}

/**
 * Turns an inbound delivery into a stored trigger event: find the running recipe, check the
 * signature (in the connectors service, which holds the secret), pick the dedupe key, and
 * publish to JetStream. Resolves only once JetStream has stored the event.
 */
@Injectable()
export class TriggerIngress implements OnModuleInit, OnModuleDestroy {
  // a lookup in flight is shared: a burst on a cold hook asks the executor once, not once per request
  private readonly hooks = new Map<string, { target: Promise<TriggerTarget>; until: number }>();
  private readonly hookTtlMs: number;
  private hookSignals?: Closable;
  private readonly publishTurn = new PublishTurn();

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(DURABLE_QUEUE) private readonly queue: DurableQueue,
    private readonly backpressure: IngressBackpressure,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(SIGNAL_BUS) private readonly signals: SignalBus,
    @Optional() @Inject(SERVICE_ENV) env?: HookCacheEnv,
  ) {
    this.hookTtlMs = env?.HOOK_CACHE_TTL_MS ?? DEFAULT_HOOK_CACHE_TTL_MS;
  }

  async onModuleInit(): Promise<void> {
    // a lookup still in flight when the signal arrives is dropped too: its answer may predate the change
    this.hookSignals = await this.signals.listen(HookChanged, ({ hookId }) => this.hooks.delete(hookId));
  }

  async onModuleDestroy(): Promise<void> {
    await this.hookSignals?.close();
  }

  async webhook(hookId: string, delivery: InboundDelivery): Promise<Accepted> {
    return this.deliverWebhook(await this.admitWebhook(hookId, delivery.receivedAtMs), delivery);
  }

  /**
   * The first half of a webhook, before its body is read: the hook must exist and run, and the
   * platform and the hook's workspace must have room. An unknown hook or a workspace over its
   * quota costs a lookup, not the read (and gunzip) of a body of up to the hook body limit.
   */
  async admitWebhook(hookId: string, receivedAtMs: number): Promise<TriggerTarget> {
    await this.backpressure.admit();
    const target = await this.hookTarget(hookId, receivedAtMs);
    if (target.state !== 'running' || target.trigger.type !== 'webhook') throw Problems.notFound('The hook');
    await this.backpressure.admitWorkspace(target.workspaceId);
    return target;
  }

  /** The second half: the delivery of a hook `admitWebhook` found. */
  async deliverWebhook(target: TriggerTarget, delivery: InboundDelivery): Promise<Accepted> {
    const dedupe = webhookDedupe(target.trigger, delivery, await this.verify(target, delivery));
    const data = { headers: kept(delivery.headers), query: delivery.query, body: parseBody(delivery) };
    refuseNul(mayHoldNul(delivery.rawBody) ? nulPath(data.body, 'body') : undefined);
    return this.publish(target, 'webhook', dedupe, data, delivery.receivedAtMs);
  }

  async apiRun(workspaceId: string, recipeId: string, payload: unknown, idempotencyKey: string | undefined): Promise<Accepted> {
    await this.backpressure.admit();
    const target = await this.resolve({ workspaceId, recipeId });
    if (target.workspaceId !== workspaceId) throw Problems.notFound('The recipe');
    await this.backpressure.admitWorkspace(workspaceId);
    refuseNul(nulPath(payload));
    return this.publish(target, 'api', apiRunDedupe(idempotencyKey), payload ?? {}, Date.now());
  }

  private hookTarget(hookId: string, now: number): Promise<TriggerTarget> {
    const cached = this.hooks.get(hookId);
    if (cached && cached.until > now) return cached.target;
    const target = this.resolve({ hookId });
    this.hooks.delete(hookId);
    // the oldest entry goes: a flood of unknown ids cycles through the cache without emptying it at once
    if (this.hooks.size >= HOOK_CACHE_MAX) this.hooks.delete(this.hooks.keys().next().value as string);
    const entry = { target, until: now + this.hookTtlMs };
    this.hooks.set(hookId, entry);
    // an unknown hook is remembered like a found one (the signal drops it when a recipe starts); a failed lookup (executor down) is not
    target.catch((error: unknown) => {
      if (!(error instanceof ProblemException && error.getStatus() === 404) && this.hooks.get(hookId) === entry) this.hooks.delete(hookId);
    });
    return target;
  }

  private async resolve(request: { hookId?: string; workspaceId?: string; recipeId?: string }): Promise<TriggerTarget> {
    try {
      return await this.bus.request(ResolveTrigger, request);
    } catch (error) {
      if (error instanceof RemoteError && (error.code === 'not_found' || error.code === 'invalid_request')) {
        throw Problems.notFound(request.hookId ? 'The hook' : 'The recipe');
      }
      throw error;
    }
  }

  /**
   * The provider's delivery id when the trigger has one (and whether a signature was checked);
   * throws 401 when the delivery is refused. The sender learns nothing of why (a forger could
   * use it); the reason, with connection ids and configuration, goes to the log.
   */
  private async verify(target: TriggerTarget, delivery: InboundDelivery): Promise<{ providerKey?: string; signed: boolean }> {
    const t = target.trigger as {
      connector?: string;
      trigger?: string;
      connection?: string;
      input?: Record<string, unknown>;
      signature?: { header: string; algorithm: string; encoding?: string; prefix?: string; timestampHeader?: string; toleranceSeconds?: number; connection: string };
      dedupeHeader?: string;
    };
    let check: { connector: string; trigger: string; connectionId?: string; config: Record<string, unknown> } | undefined;
    if (t.connector && t.trigger) {
      check = { connector: t.connector, trigger: t.trigger, connectionId: t.connection, config: t.input ?? {} };
    } else if (t.signature) {
      const signature = {
        algorithm: SIGNATURE_ALGORITHMS[t.signature.algorithm] ?? t.signature.algorithm,
        header: t.signature.header,
        encoding: t.signature.encoding ?? 'hex',
        ...(t.signature.prefix ? { prefix: t.signature.prefix } : {}),
        ...(t.signature.timestampHeader ? { timestampHeader: t.signature.timestampHeader } : {}),
        ...(t.signature.toleranceSeconds !== undefined ? { toleranceSeconds: t.signature.toleranceSeconds } : {}),
      };
      check = { connector: 'webhook', trigger: 'inbound', connectionId: t.signature.connection, config: { signature } };
    }
    if (!check) return { signed: false };
    let verdict: { refused?: string; dedupeKey?: string; signed?: boolean };
    try {
      verdict = await this.bus.request(
        VerifyWebhook,
        { workspaceId: target.workspaceId, ...check, headers: delivery.headers, rawBody: delivery.rawBody.toString('base64'), receivedAtMs: delivery.receivedAtMs },
        { workspaceId: target.workspaceId },
      );
    } catch (error) {
      // a recipe whose trigger the connectors service cannot check (unknown trigger, invalid configuration) refuses its senders
      if (error instanceof RemoteError && (error.code === 'not_found' || error.code === 'invalid_request')) verdict = { refused: error.message };
      else throw error;
    }
    if (verdict.refused) {
      this.logger.warn({ workspaceId: target.workspaceId, recipeId: target.recipeId, reason: verdict.refused }, 'webhook delivery refused');
      throw new ProblemException('invalid-signature', 'Unauthorized', 401, { detail: 'The delivery could not be authenticated.' });
    }
    return { ...(verdict.dedupeKey ? { providerKey: verdict.dedupeKey } : {}), signed: verdict.signed === true };
  }

  private async publish(target: TriggerTarget, kind: TriggerKind, dedupe: DedupeChoice, data: unknown, receivedAtMs: number): Promise<Accepted> {
    const event = {
      workspaceId: target.workspaceId,
      recipeId: target.recipeId,
      kind,
      dedupeKey: dedupe.key,
      ...(dedupe.windowMs ? { dedupeWindowMs: dedupe.windowMs } : {}),
      dedupeSource: dedupe.source,
      dedupeWindow: dedupe.window,
      ...(dedupe.expression ? { dedupeExpression: dedupe.expression } : {}),
      receivedAt: new Date(receivedAtMs).toISOString(),
      data,
    };
    await this.publishTurn.next();
    const result = await this.queue.publish(TriggerReceived, event, { msgId: streamMsgId(target.recipeId, dedupe, receivedAtMs), workspaceId: target.workspaceId });
    if (!result.duplicate) this.backpressure.accepted(target.workspaceId);
    // the sender learns the key and whether it was seen, nothing of the recipe's dedupe configuration
    return { recipeId: target.recipeId, dedupeKey: dedupe.key, duplicate: result.duplicate };
  }
}

function refuseNul(path: string | undefined): void {
  if (path) throw Problems.validation([{ path, message: 'contains a NUL character (\\u0000), which cannot be stored' }], 'The event cannot be stored as sent.');
}

function kept(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !DROPPED_HEADERS.has(name)));
}

/** JSON bodies as JSON, form bodies as an object, anything else as text. */
// JSON is UTF-8 by definition (RFC 8259): other bytes are refused, not silently replaced by U+FFFD
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function parseBody(delivery: InboundDelivery): unknown {
  if (/\bjson\b/i.test(delivery.contentType)) {
    let text: string;
    try {
      text = strictUtf8.decode(delivery.rawBody);
    } catch {
      throw Problems.validation([{ path: 'body', message: 'is not valid UTF-8' }], 'The body is declared as JSON but is not UTF-8 text.');
    }
    try {
      return JSON.parse(text);
    } catch {
      throw Problems.validation([{ path: 'body', message: 'is not valid JSON' }], 'The body is declared as JSON but does not parse.');
    }
  }
  const text = delivery.rawBody.toString('utf8');
  if (/application\/x-www-form-urlencoded/i.test(delivery.contentType)) return Object.fromEntries(new URLSearchParams(text));
  return text;
}
