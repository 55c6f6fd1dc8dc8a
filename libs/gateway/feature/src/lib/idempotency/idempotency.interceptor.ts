import { type CallHandler, type ExecutionContext, Inject, Injectable, Logger, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Response } from 'express';
import { catchError, from, type Observable, of, switchMap } from 'rxjs';
import { ProblemException, Problems } from '@junction/platform/http';
import {
  MAX_SEALED_RESPONSE_CHARS,
  ROOT_SCOPE,
  checkIdempotencyKey,
  fingerprintOf,
  idempotencyContracts,
  keyHashOf,
  keyScopeOf,
  openResponse,
  sealResponse,
  type IdempotencyContracts,
} from '@junction/platform/idempotency';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import type { AuthenticatedRequest } from '../shared/principal';
import { IDEMPOTENT_CREATE, type IdempotentCreateOptions } from './idempotent-create.metadata';
import { handlerHeaders } from './replayed-headers';

const DEFAULT_LEASE_MS = 60_000;

interface Held {
  contracts: IdempotencyContracts;
  key: string;
  /** Workspace and route: what the key hash and the sealed response are bound to. */
  scope: string;
  ref: { workspaceId: string; keyHash: string; fingerprint: string };
}

/**
 * `Idempotency-Key` on a create route. The owning service keeps the key in its database; the
 * gateway asks it first (begin), runs the route only when this request holds the key, then stores
 * the response (complete) or lets the key go when the route failed (release: nothing was created,
 * a retry runs again). Responses travel and rest sealed under the client's key.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly log = new Logger('Idempotency');

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly reflector: Reflector,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const options = this.reflector.get<IdempotentCreateOptions | undefined>(IDEMPOTENT_CREATE, context.getHandler());
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    const { key, problem } = checkIdempotencyKey(req.headers['idempotency-key']);
    if (problem) throw Problems.validation([{ path: 'Idempotency-Key', message: problem }], `The Idempotency-Key header ${problem}.`);
    if (!options || key === undefined) return next.handle();

    const workspaceId = req.principal?.workspaceId ?? ROOT_SCOPE;
    // Express's matched path, the template (`/v1/recipes/:id/runs`): a key is kept per route
    const scope = keyScopeOf(workspaceId, req.method, routeTemplateOf(req));
    const body = options.showsSecretOnce ? { caller: callerOf(req), body: req.body as unknown } : req.body;
    const held: Held = {
      contracts: idempotencyContracts(options.owner),
      key,
      scope,
      ref: { workspaceId, keyHash: keyHashOf(key, scope), fingerprint: fingerprintOf(key, req.method, req.originalUrl, body) },
    };
    const begun = await this.bus.request(held.contracts.Begin, { ...held.ref, leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS });
    switch (begun.state) {
      case 'mismatch':
        throw new ProblemException('idempotency-key-reused', 'Idempotency-Key reused', 422, {
          detail:
            'This Idempotency-Key was used on this route in the last 24 hours with another request (path or body; for a response that shows a secret once, another caller); use a new key for a new request.',
        });
      case 'in_flight':
        throw new ProblemException('idempotency-key-in-use', 'Request in progress', 409, {
          detail: 'A request with this Idempotency-Key is still being processed; retry once it has finished.',
          headers: { 'Retry-After': '1' },
        });
      case 'replay': {
        const first = openResponse(key, scope, begun.response ?? '');
        res.status(first.status);
        for (const [name, value] of Object.entries(first.headers)) res.setHeader(name, value);
        res.setHeader('Idempotent-Replayed', 'true');
        return of(first.body);
      }
      case 'started':
        break;
    }
    const before = { ...res.getHeaders() };
    return next.handle().pipe(
      switchMap((body) => from(this.complete(held, res, before, body))),
      catchError((error: unknown) => from(this.release(held).then(() => Promise.reject(error)))),
    );
  }

  private async complete(held: Held, res: Response, before: OutgoingHttpHeaders, body: unknown): Promise<unknown> {
    const sealed = sealResponse(held.key, held.scope, { status: res.statusCode, headers: handlerHeaders(before, res.getHeaders()), body });
    try {
      if (sealed.length > MAX_SEALED_RESPONSE_CHARS) {
        // too large to keep: the key is let go, a retry runs again (creation answers are small)
        this.log.warn(`response of ${sealed.length} characters not kept for its Idempotency-Key`);
        await this.bus.request(held.contracts.Release, held.ref);
      } else {
        await this.bus.request(held.contracts.Complete, { ...held.ref, response: sealed });
      }
    } catch (error) {
      // the resource exists: answer it; the key stays held until its lease ends
      this.log.warn(`recording the response of an Idempotency-Key failed: ${(error as Error).message}`);
    }
    return body;
  }

  private async release(held: Held): Promise<void> {
    try {
      await this.bus.request(held.contracts.Release, held.ref);
    } catch (error) {
      this.log.warn(`releasing an Idempotency-Key failed (it frees itself when its lease ends): ${(error as Error).message}`);
    }
  }
}

function routeTemplateOf(req: AuthenticatedRequest): string {
  const route = (req as { route?: { path?: unknown } }).route;
  return typeof route?.path === 'string' ? route.path : req.path;
}

/** The caller as the answer's secret is bound to it: the key or user id, or the root token. */
function callerOf(req: AuthenticatedRequest): string {
  return req.principal ? `${req.principal.kind}:${req.principal.id}` : ROOT_SCOPE;
}
