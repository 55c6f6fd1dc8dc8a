import { IsInt } from 'class-validator';
import { defineEvent, defineStream } from '@junction/platform/ports';

export class WorkItem {
  @IsInt()
  n: number;
}

/** The stream and event the crash test's child process and the test itself share. */
export const WorkStream = defineStream({ name: 'WORK', subjects: ['work.item.>'] });
export const WorkQueued = defineEvent('work.item.queued.v1', WorkItem, WorkStream);
export const CRASH_DURABLE = 'crash-worker';
