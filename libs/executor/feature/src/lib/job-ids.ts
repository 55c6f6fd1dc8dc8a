import { ulid } from 'ulid';
import { randomFraction } from '@junction/platform/ports';

/** A new job id: `job_<ULID>`, its random part from the shared pool (ulid's default asks the OS once per character). */
export function newJobId(): string {
  return `job_${ulid(undefined, randomFraction)}`;
}

/** A new dead letter id: `dlq_<ULID>` (time-ordered, so the list pages by id). */
export function newDeadLetterId(): string {
  return `dlq_${ulid(undefined, randomFraction)}`;
}

/** A new approval id: `apr_<ULID>` (time-ordered, so the list pages by id). */
export function newApprovalId(): string {
  return `apr_${ulid(undefined, randomFraction)}`;
}
