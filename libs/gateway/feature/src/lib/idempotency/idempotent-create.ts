import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IDEMPOTENT_CREATE, type IdempotentCreateOptions } from './idempotent-create.metadata';

/**
 * A `POST` that creates something: `Idempotency-Key` (1–255 characters) makes a retry safe
 * (Stripe's semantics: the first response again; another body → 422; the first still running →
 * 409). The OpenAPI document lists the header and those answers on every route marked so.
 */
export const IdempotentCreate = (options: IdempotentCreateOptions): MethodDecorator =>
  applyDecorators(SetMetadata(IDEMPOTENT_CREATE, options), UseInterceptors(IdempotencyInterceptor));
