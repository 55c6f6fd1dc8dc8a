import { Injectable } from '@nestjs/common';
import {
  GetDeadLetter,
  ListDeadLetters,
  RedriveDeadLetters,
  type DeadLetterList,
  type DeadLetterRef,
  type DeadLetterView,
  type ListDeadLettersRequest,
  type RedriveDeadLettersRequest,
  type RedriveResult,
} from '@junction/executor/contracts';
import { OnRequest } from '@junction/platform/messaging';
import { DeadLetterService } from './dead-letter.service';

/** The dead-letter subjects: thin bindings to `DeadLetterService`. */
@Injectable()
export class DeadLetterHandlers {
  constructor(private readonly deadLetters: DeadLetterService) {}

  @OnRequest(ListDeadLetters)
  list(request: ListDeadLettersRequest): Promise<DeadLetterList> {
    return this.deadLetters.list(request);
  }

  @OnRequest(GetDeadLetter)
  get(request: DeadLetterRef): Promise<DeadLetterView> {
    return this.deadLetters.get(request);
  }

  @OnRequest(RedriveDeadLetters)
  redrive(request: RedriveDeadLettersRequest): Promise<RedriveResult> {
    return this.deadLetters.redrive(request);
  }
}
