import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import { defineRpc } from '@junction/platform/ports';
import { CONNECTOR_KEY_RE } from '@junction/connectors/contracts';

export const SCHEDULE_KINDS = ['tick', 'poll'] as const;
/** `tick` publishes `scheduler.tick.fired.v1`; `poll` runs the connector's poll trigger on each tick. */
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

export const MISFIRE_POLICIES = ['skip', 'catch_up'] as const;
export type MisfirePolicyName = (typeof MISFIRE_POLICIES)[number];

export class CronSpecDto {
  /** 5 fields, or 6 with seconds first: `30 2 * * *`. */
  @IsString()
  @MaxLength(200)
  expression: string;

  /** IANA time zone the expression is read in. */
  @IsString()
  @MaxLength(64)
  timezone: string;
}

export class MisfireDto {
  @IsIn(MISFIRE_POLICIES)
  policy: MisfirePolicyName;

  /** Required with `catch_up`: the most missed ticks fired after downtime. */
  @ValidateIf((o: MisfireDto) => o.policy === 'catch_up' || o.maxCatchUp !== undefined)
  @IsInt()
  @Min(1)
  @Max(100)
  maxCatchUp?: number;
}

export class PollTargetDto {
  @Matches(CONNECTOR_KEY_RE)
  connectorKey: string;

  @Matches(CONNECTOR_KEY_RE)
  trigger: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  connectionId?: string;

  /** The trigger's configured input (JSON), passed to every poll. */
  @IsOptional()
  @IsObject()
  input?: Record<string, unknown>;
}

/**
 * A recipe's schedule, keyed by `(workspaceId, recipeId)`: a recipe has one trigger. Exactly
 * one of `cron` and `intervalMs`; `poll` is required for `kind: 'poll'`.
 */
export class UpsertScheduleRequest {
  @IsString()
  @MaxLength(64)
  workspaceId: string;

  @IsString()
  @MaxLength(64)
  recipeId: string;

  @IsIn(SCHEDULE_KINDS)
  kind: ScheduleKind;

  @IsOptional()
  @ValidateNested()
  @Type(() => CronSpecDto)
  cron?: CronSpecDto;

  /** Fixed period in ms (at least 1000), counted from when the schedule was created. */
  @IsOptional()
  @IsInt()
  @Min(1000)
  @Max(366 * 24 * 3600_000)
  intervalMs?: number;

  /** Default `{ policy: 'skip' }`. */
  @IsOptional()
  @ValidateNested()
  @Type(() => MisfireDto)
  misfire?: MisfireDto;

  /** Default true. A disabled schedule keeps its poll cursor. */
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @IsOptional()
  @ValidateNested()
  @Type(() => PollTargetDto)
  poll?: PollTargetDto;
}

/** One misfire: ticks due while no scheduler ran, skipped or fired late. */
export class MisfireRecordDto {
  @IsISO8601({ strict: true })
  at: string;

  @IsInt()
  @Min(0)
  skipped: number;

  @IsInt()
  @Min(0)
  caughtUp: number;
}

export class ScheduleView {
  @IsString()
  @MaxLength(64)
  id: string;

  @IsString()
  @MaxLength(64)
  workspaceId: string;

  @IsString()
  @MaxLength(64)
  recipeId: string;

  @IsIn(SCHEDULE_KINDS)
  kind: ScheduleKind;

  @IsOptional()
  @ValidateNested()
  @Type(() => CronSpecDto)
  cron?: CronSpecDto;

  @IsOptional()
  @IsInt()
  intervalMs?: number;

  @ValidateNested()
  @Type(() => MisfireDto)
  misfire: MisfireDto;

  @IsBoolean()
  enabled: boolean;

  /** Absent when disabled or when the expression has no future tick. */
  @IsOptional()
  @IsISO8601({ strict: true })
  nextFireAt?: string;

  /** The scheduled instant of the last tick fired. */
  @IsOptional()
  @IsISO8601({ strict: true })
  lastFireAt?: string;

  /** The last time ticks were skipped or caught up after downtime. */
  @IsOptional()
  @ValidateNested()
  @Type(() => MisfireRecordDto)
  lastMisfire?: MisfireRecordDto;

  @IsOptional()
  @ValidateNested()
  @Type(() => PollTargetDto)
  poll?: PollTargetDto;
}

export class ScheduleRef {
  @IsString()
  @MaxLength(64)
  workspaceId: string;

  @IsString()
  @MaxLength(64)
  recipeId: string;
}

export class DeleteScheduleResponse {
  /** False when there was no schedule for this recipe in this workspace. */
  @IsBoolean()
  deleted: boolean;
}

/** `scheduler.schedule-upsert.v1`: create or replace a recipe's schedule; a changed spec recomputes the next tick. */
export const UpsertSchedule = defineRpc('scheduler.schedule-upsert.v1', UpsertScheduleRequest, ScheduleView, { timeoutMs: 5000 });

/** `scheduler.schedule-get.v1`: answers `not_found` for a recipe of another workspace. */
export const GetSchedule = defineRpc('scheduler.schedule-get.v1', ScheduleRef, ScheduleView, { timeoutMs: 3000 });

/** `scheduler.schedule-delete.v1`: removes the schedule and its poll cursor. */
export const DeleteSchedule = defineRpc('scheduler.schedule-delete.v1', ScheduleRef, DeleteScheduleResponse, { timeoutMs: 5000 });
