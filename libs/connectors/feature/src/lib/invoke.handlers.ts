import { Injectable } from '@nestjs/common';
import { InvokeAction, type InvokeActionRequest, type InvokeActionResult } from '@junction/connectors/contracts';
import { OnRequest } from '@junction/platform/messaging';
import { ActionInvoker } from './action-invoker';

@Injectable()
export class InvokeHandlers {
  constructor(private readonly invoker: ActionInvoker) {}

  @OnRequest(InvokeAction)
  invoke(request: InvokeActionRequest): Promise<InvokeActionResult> {
    return this.invoker.invoke(request);
  }
}
