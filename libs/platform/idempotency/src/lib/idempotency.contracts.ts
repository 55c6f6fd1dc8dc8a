import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { defineRpc, type RpcContract } from '@junction/platform/ports';

/** The services that own resources created through the API, each keeping its own keys. */
export const IDEMPOTENCY_OWNERS = ['auth', 'connectors', 'executor'] as const;
export type IdempotencyOwner = (typeof IDEMPOTENCY_OWNERS)[number];

/** Keys of `POST /v1/workspaces` (root token, no workspace yet) are kept under this scope. */
export const ROOT_SCOPE = 'root';

const HEX_256 = /^[0-9a-f]{64}$/;
/** A sealed response (base64): 384 KiB keeps the request under NATS's 1 MiB default payload. */
export const MAX_SEALED_RESPONSE_CHARS = 384 * 1024;
/** How long a started request holds its key before a retry may take it over, ms. */
export const MAX_LEASE_MS = 10 * 60_000;

class KeyRef {
  /** The workspace the key belongs to (or `root`): keys of one workspace never answer another. */
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  workspaceId: string;

  /** HMAC of the client's key (the key itself never leaves the gateway). */
  @Matches(HEX_256)
  keyHash: string;

  /** HMAC of method, path and body under the client's key: another body is another fingerprint. */
  @Matches(HEX_256)
  fingerprint: string;
}

export class BeginIdempotentRequest extends KeyRef {
  @IsInt()
  @Min(1000)
  @Max(MAX_LEASE_MS)
  leaseMs: number;
}

export const IDEMPOTENCY_STATES = ['started', 'replay', 'mismatch', 'in_flight'] as const;
export type IdempotencyState = (typeof IDEMPOTENCY_STATES)[number];

export class BeginIdempotentReply {
  /** `started`: this request holds the key now; `replay`: `response` is the first one's. */
  @IsIn(IDEMPOTENCY_STATES)
  state: IdempotencyState;

  @IsOptional()
  @IsString()
  @MaxLength(MAX_SEALED_RESPONSE_CHARS)
  response?: string;
}

export class CompleteIdempotentRequest extends KeyRef {
  /** The response, sealed by the gateway under the client's key (the owner cannot read it). */
  @IsString()
  @MaxLength(MAX_SEALED_RESPONSE_CHARS)
  response: string;
}

export class ReleaseIdempotentRequest extends KeyRef {}

export class IdempotencyAck {
  /** False when the key was no longer held by this request (taken over after its lease, or swept). */
  @IsBoolean()
  held: boolean;
}

export interface IdempotencyContracts {
  Begin: RpcContract<BeginIdempotentRequest, BeginIdempotentReply>;
  Complete: RpcContract<CompleteIdempotentRequest, IdempotencyAck>;
  Release: RpcContract<ReleaseIdempotentRequest, IdempotencyAck>;
}

const byOwner = new Map<IdempotencyOwner, IdempotencyContracts>();

/** The three subjects by which the gateway keeps an owner's keys: `<owner>.idempotency.<verb>.v1`. */
export function idempotencyContracts(owner: IdempotencyOwner): IdempotencyContracts {
  let contracts = byOwner.get(owner);
  if (!contracts) {
    contracts = {
      Begin: defineRpc(`${owner}.idempotency.begin.v1`, BeginIdempotentRequest, BeginIdempotentReply),
      Complete: defineRpc(`${owner}.idempotency.complete.v1`, CompleteIdempotentRequest, IdempotencyAck),
      Release: defineRpc(`${owner}.idempotency.release.v1`, ReleaseIdempotentRequest, IdempotencyAck),
    };
    byOwner.set(owner, contracts);
  }
  return contracts;
}

/** The contracts of an owner as a list, for its `serves` and the gateway's `calls`. */
export function idempotencyAccess(owner: IdempotencyOwner): RpcContract<object, object>[] {
  const c = idempotencyContracts(owner);
  return [c.Begin, c.Complete, c.Release] as RpcContract<object, object>[];
}
