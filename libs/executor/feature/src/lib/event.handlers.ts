import { Injectable } from '@nestjs/common';
import { DeliverEvent, type DeliverEventRequest, type DeliverEventResult } from '@junction/executor/contracts';
import { OnRequest } from '@junction/platform/messaging';
import { JobWaits } from './job-waits';

/** `POST /v1/events` as the gateway forwards it: an event for the workspace's waiting jobs. */
@Injectable()
export class EventHandlers {
  constructor(private readonly waits: JobWaits) {}

  @OnRequest(DeliverEvent)
  async deliver(request: DeliverEventRequest): Promise<DeliverEventResult> {
    const outcome = await this.waits.deliver(request.workspaceId, { name: request.name, key: request.key, id: request.id, data: request.data ?? null });
    return { id: request.id, duplicate: outcome.duplicate, resumed: outcome.resumed };
  }
}
