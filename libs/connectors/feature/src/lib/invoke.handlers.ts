import { Injectable } from '@nestjs/common';
import {
  InvokeAction,
  TestConnection,
  type ConnectionTestResult,
  type InvokeActionRequest,
  type InvokeActionResult,
  type TestConnectionRequest,
} from '@junction/connectors/contracts';
import { OnRequest } from '@junction/platform/messaging';
import { ActionInvoker } from './action-invoker';
import { ConnectionTester } from './connection-tester';

@Injectable()
export class InvokeHandlers {
  constructor(
    private readonly invoker: ActionInvoker,
    private readonly tester: ConnectionTester,
  ) {}

  @OnRequest(InvokeAction)
  invoke(request: InvokeActionRequest): Promise<InvokeActionResult> {
    return this.invoker.invoke(request);
  }

  @OnRequest(TestConnection)
  test(request: TestConnectionRequest): Promise<ConnectionTestResult> {
    return this.tester.test(request);
  }
}
