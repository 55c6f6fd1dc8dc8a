import { SetMetadata } from '@nestjs/common';
import type { ConsumeOptions, EventContract, RpcContract } from '@junction/platform/ports';

export const ON_REQUEST = Symbol('junction:on-request');
export const ON_MESSAGE = Symbol('junction:on-message');

/**
 * Marks a provider method as the handler of a request/reply contract. The method receives the
 * validated request and the incoming meta; what it returns is validated and sent back.
 */
export const OnRequest = <Req extends object, Res extends object>(contract: RpcContract<Req, Res>): MethodDecorator => SetMetadata(ON_REQUEST, contract);

/** `ConsumeOptions` as a decorator states them: `deadLetter` names a method of the same provider. */
export type OnMessageOptions = Omit<ConsumeOptions, 'deadLetter'> & { deadLetter?: string };

export interface OnMessageMetadata {
  contract: EventContract<object>;
  options: OnMessageOptions;
}

/** Marks a provider method as a durable consumer of an event contract. */
export const OnMessage = <T extends object>(contract: EventContract<T>, options: OnMessageOptions): MethodDecorator =>
  SetMetadata(ON_MESSAGE, { contract, options } satisfies OnMessageMetadata);
