import { CreateIdempotencyKeysTable } from '@junction/platform/idempotency';

/** `Idempotency-Key` of the creates this service owns (the platform's table, in this database). */
export class ExecutorIdempotencyKeys1765900000000 extends CreateIdempotencyKeysTable {
  name = 'ExecutorIdempotencyKeys1765900000000';
}
