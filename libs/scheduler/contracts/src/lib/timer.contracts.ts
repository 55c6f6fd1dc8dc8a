import { IsBoolean, IsISO8601, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { defineRpc } from '@junction/platform/ports';

/** Caller-chosen timer ids make creation idempotent (`job_01H…:step-3:retry-2`). */
export const TIMER_ID_RE = /^[A-Za-z0-9_.:@-]{1,128}$/;

/** A dotted lower-case name of who the timer is for. */
export const TIMER_TARGET_RE = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;

export class CreateTimerRequest {
  @IsString()
  @MaxLength(64)
  workspaceId: string;

  /** Optional: creating the same id again in the same workspace returns the existing timer. */
  @IsOptional()
  @Matches(TIMER_ID_RE, { message: 'timerId must be 1-128 characters of letters, digits and _.:@-' })
  timerId?: string;

  @IsISO8601({ strict: true })
  dueAt: string;

  @Matches(TIMER_TARGET_RE, { message: 'target must be a dotted lower-case name' })
  @MaxLength(128)
  target: string;

  /** Carried back in the fired event; keep it small (ids, not documents). */
  @IsOptional()
  @IsObject()
  payload?: Record<string, unknown>;
}

export class TimerView {
  @IsString()
  @MaxLength(64)
  workspaceId: string;

  @Matches(TIMER_ID_RE)
  timerId: string;

  @IsISO8601({ strict: true })
  dueAt: string;

  @Matches(TIMER_TARGET_RE)
  target: string;

  /** False when the id already existed: nothing was written. */
  @IsBoolean()
  created: boolean;

  @IsOptional()
  @IsISO8601({ strict: true })
  firedAt?: string;
}

export class CancelTimerRequest {
  @IsString()
  @MaxLength(64)
  workspaceId: string;

  @Matches(TIMER_ID_RE)
  timerId: string;
}

export class CancelTimerResponse {
  /** False when the timer had already fired or never existed in this workspace. */
  @IsBoolean()
  cancelled: boolean;
}

/** `scheduler.timer-create.v1`: store a timer that fires `scheduler.timer.fired.v1` once at `dueAt`. */
export const CreateTimer = defineRpc('scheduler.timer-create.v1', CreateTimerRequest, TimerView, { timeoutMs: 5000 });

/** `scheduler.timer-cancel.v1`: remove a timer that has not fired. */
export const CancelTimer = defineRpc('scheduler.timer-cancel.v1', CancelTimerRequest, CancelTimerResponse, { timeoutMs: 5000 });
