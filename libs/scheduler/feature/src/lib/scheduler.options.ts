import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { DEFAULT_POLL_BACKOFF, type BackoffOptions } from '@junction/scheduler/domain';

export interface SchedulerOptions {
  /** How often each loop looks for due work when the last round found none, ms. */
  pollIntervalMs: number;
  /** Rows claimed per transaction. */
  batchSize: number;
  /** A tick at most this late is on time, not a misfire, ms. */
  misfireGraceMs: number;
  /** Polling triggers run at once by this replica. */
  pollConcurrency: number;
  /** Pages fetched per poll tick before yielding to other schedules. */
  pollMaxPages: number;
  pollBackoff: BackoffOptions;
  /** Names this replica in `timers.fired_by` and logs. */
  replicaId: string;
}

export const SCHEDULER_OPTIONS = Symbol('SchedulerOptions');
export const SCHEDULER_CLOCK = Symbol('SchedulerClock');

export function schedulerOptions(overrides: Partial<SchedulerOptions> = {}): SchedulerOptions {
  return {
    pollIntervalMs: 1000,
    batchSize: 100,
    misfireGraceMs: 60_000,
    pollConcurrency: 4,
    pollMaxPages: 10,
    pollBackoff: DEFAULT_POLL_BACKOFF,
    replicaId: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    ...overrides,
  };
}
