import { type DynamicModule, Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OnRequest } from '@junction/platform/messaging';
import { RemoteError, type IncomingMeta } from '@junction/platform/ports';
import {
  type BeginIdempotentReply,
  type BeginIdempotentRequest,
  type CompleteIdempotentRequest,
  type IdempotencyAck,
  type IdempotencyOwner,
  type ReleaseIdempotentRequest,
  idempotencyContracts,
} from './idempotency.contracts';
import { IdempotencyStore, type KeyRef } from './idempotency.store';

const STORE = Symbol('IdempotencyStore');
/** How often each instance deletes expired keys (every instance may: the deletes do not conflict). */
const SWEEP_EVERY_MS = 10 * 60_000;

/** The tenant a request names must be the one its message context carries, when it carries one. */
function refOf(request: KeyRef, meta: IncomingMeta): KeyRef {
  if (meta.workspaceId && meta.workspaceId !== request.workspaceId) throw new RemoteError('forbidden', 'workspace of the request and of its context differ');
  return { workspaceId: request.workspaceId, keyHash: request.keyHash, fingerprint: request.fingerprint };
}

/** A handler class per owner: the subjects are the owner's, the decorators need them at definition. */
function handlersFor(owner: IdempotencyOwner) {
  const contracts = idempotencyContracts(owner);

  @Injectable()
  class IdempotencyHandlers {
    constructor(@Inject(STORE) private readonly store: IdempotencyStore) {}

    @OnRequest(contracts.Begin)
    begin(request: BeginIdempotentRequest, meta: IncomingMeta): Promise<BeginIdempotentReply> {
      return this.store.begin(refOf(request, meta), request.leaseMs);
    }

    @OnRequest(contracts.Complete)
    async complete(request: CompleteIdempotentRequest, meta: IncomingMeta): Promise<IdempotencyAck> {
      return { held: await this.store.complete(refOf(request, meta), request.response) };
    }

    @OnRequest(contracts.Release)
    async release(request: ReleaseIdempotentRequest, meta: IncomingMeta): Promise<IdempotencyAck> {
      return { held: await this.store.release(refOf(request, meta)) };
    }
  }
  return IdempotencyHandlers;
}

@Injectable()
class ExpiredKeySweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Idempotency');
  private timer: NodeJS.Timeout | undefined;

  constructor(@Inject(STORE) private readonly store: IdempotencyStore) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async sweep(): Promise<void> {
    try {
      const deleted = await this.store.sweep();
      if (deleted > 0) this.log.log(`deleted ${deleted} expired idempotency keys`);
    } catch (error) {
      // the next sweep tries again; expired keys are ignored by begin() meanwhile
      this.log.warn(`sweeping expired idempotency keys failed: ${(error as Error).message}`);
    }
  }
}

/**
 * Serves `<owner>.idempotency.*` from the owning service's database (its migrations create
 * `idempotency_keys`, see `CreateIdempotencyKeysTable`) and sweeps expired keys.
 */
@Module({})
export class IdempotencyModule {
  static forOwner(owner: IdempotencyOwner): DynamicModule {
    return {
      module: IdempotencyModule,
      providers: [{ provide: STORE, inject: [DataSource], useFactory: (db: DataSource) => new IdempotencyStore(db) }, handlersFor(owner), ExpiredKeySweeper],
    };
  }
}
