import { Type } from 'class-transformer';
import { IsIn, IsISO8601, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { defineEvent, defineStream } from '@junction/platform/ports';

export const ACTOR_TYPES = ['user', 'api_key', 'service', 'root'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

export class AuditActor {
  @IsIn(ACTOR_TYPES)
  type: ActorType;

  @IsString()
  @MaxLength(128)
  id: string;
}

export class AuditTarget {
  /** Kind of object: `workspace`, `api_key`, `connection`, `recipe`, `job`, … */
  @Matches(/^[a-z][a-z0-9_]{0,63}$/)
  type: string;

  @IsString()
  @MaxLength(128)
  id: string;
}

/** One audit event as published by any service. `id` doubles as the publish dedupe id. */
export class AuditEventPayload {
  @IsString()
  @MaxLength(64)
  id: string;

  @IsString()
  @MaxLength(64)
  workspaceId: string;

  @ValidateNested()
  @Type(() => AuditActor)
  actor: AuditActor;

  /** `<object>.<verb-past-tense>`: `connection.created`, `api_key.used`, `credential.read`. */
  @Matches(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/)
  action: string;

  @ValidateNested()
  @Type(() => AuditTarget)
  target: AuditTarget;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  ip?: string;

  @IsISO8601({ strict: true })
  at: string;

  /** What changed, already redacted (see `redactChanges`). */
  @IsOptional()
  @IsObject()
  changes?: Record<string, unknown>;
}

/** Audit events wait here while the audit service is down (30 days by default). */
export const AuditStream = defineStream({ name: 'AUDIT', subjects: ['audit.event.>'], duplicateWindowMs: 10 * 60_000, maxAgeMs: 30 * 24 * 3600_000 });

/** `audit.event.recorded.v1`: published by every service, consumed by the audit service. */
export const AuditEventRecorded = defineEvent('audit.event.recorded.v1', AuditEventPayload, AuditStream);
