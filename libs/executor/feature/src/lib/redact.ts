import { redactChanges } from '@junction/audit/contracts';

/**
 * What a job keeps of step data and shows through the API: values under secret-looking keys
 * (token, password, authorization, api key…) replaced at any depth. The same rule as the audit log.
 */
export function redact(value: unknown): unknown {
  return value === undefined ? undefined : redactChanges(value);
}
