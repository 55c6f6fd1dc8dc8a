import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiNotFoundResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { GetJob, type JobView } from '@junction/executor/contracts';
import { ProblemException } from '@junction/platform/http';
import { DeadlineExceededError, MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { CurrentPrincipal, type Principal } from '../shared/principal';
import { JobId } from '../shared/id-param';
import { JobStreamSlots } from './job-stream-slots';
import { formatEvent, JobTimeline } from './job-timeline';

/** How often the stream reads the job, ms: updates lag by at most this. */
export const JOB_EVENTS_POLL_MS = 250;
/** A comment line this often, ms, so proxies and clients do not drop a quiet stream. */
export const JOB_EVENTS_HEARTBEAT_MS = 15_000;

const EVENTS_DOC =
  'Server-Sent Events. `event: job` (on connect and on each status change: id, recipeId, recipeVersion, status, createdAt, startedAt, finishedAt, error); ' +
  '`event: step` with `id: <seq>` (every step record so far, then each new one: seq, stepId, stepKey, kind, status, attempt, group, startedAt, finishedAt, durationMs, error; ' +
  '`retrying` and `deferred` records are the waits); `event: end` once the job is terminal (id, status, finishedAt, error), then the server closes the stream. ' +
  'A `: keep-alive` comment every 15 s.';

/**
 * A job's step timeline as it happens. The gateway reads the job over the bus every 250 ms (the
 * same read as `GET /v1/jobs/:id`, so it works wherever the executor runs) and sends what changed.
 */
@ApiTags('jobs')
@ApiBearerAuth()
@Controller('v1/jobs')
export class JobEventsController {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly slots: JobStreamSlots,
  ) {}

  @Get(':id/events')
  @ApiOperation({ summary: "A job's step timeline as Server-Sent Events, ending with `end` when the job ends" })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The last step `seq` received: a reconnecting client does not get those steps again' })
  @ApiResponse({ status: 200, description: EVENTS_DOC, content: { 'text/event-stream': { schema: { type: 'string' } } } })
  @ApiNotFoundResponse({ description: 'No such job in the workspace' })
  @ApiTooManyRequestsResponse({ description: 'The workspace already has the most open event streams this gateway allows (Retry-After)' })
  async events(@CurrentPrincipal() principal: Principal, @JobId() id: string, @Headers('last-event-id') lastEventId: string | undefined, @Res() res: Response): Promise<void> {
    const release = this.slots.acquire(principal.workspaceId);
    if (!release) {
      throw new ProblemException('rate-limited', 'Too many requests', 429, {
        detail: 'This workspace has the most open job event streams allowed; close one and retry.',
        headers: { 'Retry-After': '5' },
      });
    }
    let closed = false;
    let wake: (() => void) | undefined;
    const stop = () => {
      closed = true;
      wake?.();
    };
    // the response's close: the client went away (or the stream ended); a request's close can come as soon as its body is read
    res.on('close', stop);
    try {
      const read = () => this.bus.request(GetJob, { workspaceId: principal.workspaceId, id });
      // before the stream starts, so a job of another workspace is a 404 problem, not an empty stream
      let job: JobView = await read();
      const timeline = new JobTimeline(afterSeqOf(lastEventId));
      res.status(200);
      res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
      res.setHeader('Cache-Control', 'no-cache, no-transform');
      res.setHeader('X-Accel-Buffering', 'no');
      res.flushHeaders();
      let lastWrite = Date.now();
      for (;;) {
        const text = timeline.next(job).map(formatEvent).join('');
        if (text) {
          res.write(text);
          lastWrite = Date.now();
        } else if (Date.now() - lastWrite >= JOB_EVENTS_HEARTBEAT_MS) {
          res.write(': keep-alive\n\n');
          lastWrite = Date.now();
        }
        if (timeline.done || closed) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, JOB_EVENTS_POLL_MS).unref();
        });
        if (closed) break;
        try {
          job = await read();
        } catch (error) {
          // a slow or restarting executor only delays the next update
          if (!(error instanceof DeadlineExceededError)) throw error;
        }
      }
      res.end();
    } catch (error) {
      if (!res.headersSent) throw error;
      // the stream has started: no status left to send; say why in an event, then close
      res.end(`event: error\ndata: ${JSON.stringify({ message: 'the job could not be read; reconnect with Last-Event-ID' })}\n\n`);
    } finally {
      res.off('close', stop);
      release();
    }
  }
}

function afterSeqOf(lastEventId: string | undefined): number {
  const seq = Number(lastEventId);
  return lastEventId && Number.isSafeInteger(seq) && seq > 0 ? seq : 0;
}
