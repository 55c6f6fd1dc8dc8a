import { Allow, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { defineRpc, Opaque } from '@junction/platform/ports';
import { CONNECTOR_KEY_RE } from './catalog.contracts';

/** `throttled`: the connection's own shared rate limit refused the call before anything was sent. */
export const ERROR_KINDS = ['retryable', 'rate_limited', 'fatal', 'auth', 'circuit_open', 'throttled'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** Run one action of a connector for one step of a job. */
export class InvokeActionRequest {
  @IsString()
  @MaxLength(64)
  workspaceId: string;

  @Matches(CONNECTOR_KEY_RE)
  connector: string;

  @Matches(/^[a-z][a-z0-9_]{0,63}$/)
  action: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  connectionId?: string;

  @IsObject()
  @Opaque()
  input: Record<string, unknown>;

  /** job id + step id + attempt group: the third party sees the same key on a retried call. */
  @IsString()
  @MaxLength(256)
  idempotencyKey: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  jobId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  stepId?: string;

  /** The step's deadline for this call, ms. */
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(600_000)
  timeoutMs?: number;
}

export class InvokeError {
  @IsIn(ERROR_KINDS)
  kind: ErrorKind;

  @IsString()
  @MaxLength(4000)
  message: string;

  @IsOptional()
  @IsInt()
  status?: number;

  /** For rate_limited and circuit_open: do not try again before this many ms. */
  @IsOptional()
  @IsInt()
  @Min(0)
  retryAfterMs?: number;

  /** The third party's answer, kept for the step's trace (credential values scrubbed). */
  @IsOptional()
  @Allow()
  @Opaque()
  responseBody?: unknown;
}

/** Either an output or a typed error — never both. Failures of the call itself are data, not exceptions. */
export class InvokeActionResult {
  @IsOptional()
  @Allow()
  @Opaque()
  output?: unknown;

  @IsOptional()
  @ValidateNested()
  @Type(() => InvokeError)
  error?: InvokeError;

  @IsInt()
  @Min(0)
  durationMs: number;
}

/** `connectors.invoke.v1`: the executor's only way to reach a third party. */
export const InvokeAction = defineRpc('connectors.invoke.v1', InvokeActionRequest, InvokeActionResult, { timeoutMs: 120_000 });
